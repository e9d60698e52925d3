-- One row per valid customer: the nearest segment centroid of the customer's base, the
-- distance to it and to the next nearest, in the space the segments were fitted in
-- (z-scores when segment_scaling is 'standard', raw values when 'none'). Each customer row
-- is compared with its base's k centroids in place (no join fan-out, no grouping), so the
-- work is one streaming pass and memory does not grow with the number of customers.
{%- set scaling = segment_scaling() %}
{%- set centroid_column = 'centroid_standardised' if scaling == 'standard' else 'centroid_raw' %}
{%- set suffix = '_z' if scaling == 'standard' else '' %}
with

customers as (
    select * from {{ ref('int_customers_featurized') }}
),

centroids as (
    select
        customer_base,
        segment_id,
        feature_name,
        {{ centroid_column }} as centroid_value
    from {{ ref('int_segment_centroids') }}
),
{%- for base in customer_bases() %}
{%- set features = segment_features(base) %}

-- The {{ base }} centroids as one list of feature vectors, in segment order (1..k).
centroid_vectors_{{ base }} as (
    select
        list(
            struct_pack(
                {%- for feature in features %}
                {{ feature }} := {{ feature }}{{ "," if not loop.last }}
                {%- endfor %}
            )
            order by segment_id
        ) as vectors
    from (
        select
            segment_id,
            {%- for feature in features %}
            max(centroid_value) filter (where feature_name = '{{ feature }}') as {{ feature }}{{ "," if not loop.last }}
            {%- endfor %}
        from centroids
        where customer_base = '{{ base }}'
        group by segment_id
    ) as segment_centroids
),

distances_{{ base }} as (
    select
        customers.customer_base,
        customers.customer_id,
        list_transform(
            centroid_vectors_{{ base }}.vectors,
            lambda centroid: sqrt(
                {%- for feature in features %}
                power(customers.{{ feature }}{{ suffix }} - centroid.{{ feature }}, 2){{ " +" if not loop.last }}
                {%- endfor %}
            )
        ) as centroid_distances
    from customers
    cross join centroid_vectors_{{ base }}
    where customers.customer_base = '{{ base }}' and centroid_vectors_{{ base }}.vectors is not null
),
{%- endfor %}

distances as (
    {%- for base in customer_bases() %}
    select * from distances_{{ base }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
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
