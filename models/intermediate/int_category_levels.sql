-- One row per customer base, categorical segment feature and value found among the base's
-- valid customers: the categories one-hot encoded for the segmentation, numbered in value
-- order (the position of the value's indicator within the feature's block).
with

valid_customers as (
    select * from {{ ref('int_customers_enriched') }}
),

-- One row per customer and categorical feature its base is segmented on, in one pass.
feature_values as (
    {{ categorical_feature_values('valid_customers') }}
),

levels as (
    select
        customer_base,
        feature_name,
        category_value::varchar as category_value,
        count(*) as customer_count
    from feature_values
    group by customer_base, feature_name, category_value
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
