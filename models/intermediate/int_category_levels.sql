-- One row per customer base, categorical segment feature and value found among the base's
-- valid customers: the categories one-hot encoded for the segmentation, numbered in value
-- order (the position of the value's indicator within the feature's block).
with

valid_customers as (
    select * from {{ ref('int_customers_enriched') }}
),

levels as (
    {%- for base in customer_bases() %}
    {%- for feature in categorical_segment_features(base) %}
    select
        customer_base,
        '{{ feature }}' as feature_name,
        {{ feature }}::varchar as category_value,
        count(*) as customer_count
    from valid_customers
    where customer_base = '{{ base }}' and {{ feature }} is not null
    group by customer_base, {{ feature }}
    union all
    {%- endfor %}
    {%- endfor %}
    select
        null::varchar as customer_base,
        null::varchar as feature_name,
        null::varchar as category_value,
        null::bigint as customer_count
    where false
),

numbered as (
    select
        customer_base,
        feature_name,
        category_value,
        row_number() over (
            partition by customer_base, feature_name order by category_value
        ) as level_position,
        customer_count
    from levels
)

select * from numbered
