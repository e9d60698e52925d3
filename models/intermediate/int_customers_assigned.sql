-- One row per valid customer: the nearest segment centroid of the customer's base, the
-- distance to it and to the next nearest, in the space the segments were fitted in
-- (z-scores when segment_scaling is 'standard', raw values when 'none'). Each customer row
-- is compared with its base's k centroids in place (no join fan-out, no grouping), so the
-- work is one streaming pass and memory does not grow with the number of customers.
{%- set scaling = segment_scaling() %}
with

customers as (
    select * from {{ ref('int_customers_featurized') }}
),

centroids as (
    select
        customer_base,
        segment_id,
        feature_name,
        {{ 'centroid_standardised' if scaling == 'standard' else 'centroid_raw' }} as centroid_value
    from {{ ref('int_segment_centroids') }}
),

segment_centroids as (
    select
        customer_base,
        segment_id,
        {{ pivoted_centroids(all_segment_features()) }}
    from centroids
    group by customer_base, segment_id
),

centroid_lists as (
    select
        {{ centroid_vector_lists() }}
    from segment_centroids
),

distances as (
    select
        customers.customer_base,
        customers.customer_id,
        {{ centroid_distance_lists('customers', 'centroid_lists', '_z' if scaling == 'standard' else '') }}
            as centroid_distances
    from customers
    cross join centroid_lists
),

assigned as (
    select
        customer_base,
        customer_id,
        list_position(centroid_distances, list_min(centroid_distances))::integer as segment_id,
        list_min(centroid_distances) as distance_to_centroid,
        list_sort(centroid_distances)[2] as distance_to_next_centroid
    from distances
)

select * from assigned
