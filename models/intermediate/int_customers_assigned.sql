-- One row per valid customer: its enriched columns with the nearest segment centroid of the
-- customer's base, the distance to it and to the next nearest, in the space the segments were
-- fitted in (see int_segment_dimensions). Each customer's point is compared with its base's k
-- centroids in place (no fan-out, no grouping), so the work is one streaming pass and memory
-- does not grow with the number of customers. The customers' columns come along so that the
-- marts read one table of customers with their segments instead of joining two by id.
{%- set placing_columns = ['feature_vector'] -%}
{%- for feature in candidate_features() -%}
    {%- do placing_columns.append(feature ~ '_z') -%}
{%- endfor %}
with

customers as (
    select * from {{ ref('int_customers_featurized') }}
),

centroids as (
    select
        customer_base,
        segment_id,
        dimension_position,
        centroid_value
    from {{ ref('int_segment_models_in_force') }}
),

-- Each centroid as a list in dimension order, and each base's centroids and their segment ids
-- in segment order (ids are the registered model's, stable across refits).
centroid_vectors as (
    select
        customer_base,
        segment_id,
        list(centroid_value order by dimension_position) as centroid_vector
    from centroids
    group by customer_base, segment_id
),

centroid_lists as (
    select
        customer_base,
        list(centroid_vector order by segment_id) as base_centroids,
        list(segment_id order by segment_id) as base_segment_ids
    from centroid_vectors
    group by customer_base
),

distances as (
    select
        customers.*,
        centroid_lists.base_segment_ids,
        list_transform(
            centroid_lists.base_centroids,
            lambda centroid: list_distance(customers.feature_vector, centroid)  -- noqa: RF02
        ) as centroid_distances
    from customers
    inner join centroid_lists
        on customers.customer_base = centroid_lists.customer_base
),

assigned as (
    select
        -- The z-scores and the vector place the customer; the marts read the values.
        * exclude (
            {{ (placing_columns + ['base_segment_ids', 'centroid_distances']) | join(',\n            ') }}
        ),
        base_segment_ids[list_position(centroid_distances, list_min(centroid_distances))]::integer as segment_id,
        list_min(centroid_distances) as distance_to_centroid,
        list_sort(centroid_distances)[2] as distance_to_next_centroid
    from distances
)

select * from assigned
