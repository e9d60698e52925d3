-- One row per customer base and dimension of the space its customers are segmented in: each
-- numeric feature (standardised with the base's mean and standard deviation, or raw when
-- segment_scaling is 'none'), then one indicator per value of each categorical feature,
-- worth categorical_feature_weight / sqrt(2) when the customer has that value and 0
-- otherwise (so two customers in different categories are categorical_feature_weight
-- apart). The order of the rows is the order of `feature_vector` in int_customers_featurized.
with

feature_statistics as (
    select
        customer_base,
        feature_name,
        feature_mean,
        feature_stddev
    from {{ ref('int_feature_statistics') }}
),

category_levels as (
    select
        customer_base,
        feature_name,
        category_value,
        level_position
    from {{ ref('int_category_levels') }}
),

dimensions as (
    {%- for base in customer_bases() %}
    {%- set base_loop = loop %}
    {%- for feature in segment_features(base) %}
    select
        '{{ base }}' as customer_base,
        '{{ feature }}' as feature_name,
        'numeric' as feature_kind,
        null::varchar as category_value,
        {{ loop.index }} as feature_position,
        0 as level_position
    union all
    {%- endfor %}
    {%- for feature in categorical_segment_features(base) %}
    select
        customer_base,
        feature_name,
        'categorical' as feature_kind,
        category_value,
        {{ segment_features(base) | length + loop.index }} as feature_position,
        level_position
    from category_levels
    where customer_base = '{{ base }}' and feature_name = '{{ feature }}'
    union all
    {%- endfor %}
    {%- endfor %}
    select
        null::varchar as customer_base,
        null::varchar as feature_name,
        null::varchar as feature_kind,
        null::varchar as category_value,
        null::integer as feature_position,
        null::integer as level_position
    where false
),

final as (
    select
        dimensions.customer_base,
        row_number() over (
            partition by dimensions.customer_base
            order by dimensions.feature_position, dimensions.level_position
        ) as dimension_position,
        dimensions.feature_name,
        dimensions.feature_kind,
        dimensions.category_value,
        dimensions.feature_position,
        feature_statistics.feature_mean,
        feature_statistics.feature_stddev,
        case
            when dimensions.feature_kind = 'categorical' then {{ categorical_encoding_value() }}
        end as encoding_value
    from dimensions
    left join feature_statistics
        on
            dimensions.customer_base = feature_statistics.customer_base
            and dimensions.feature_name = feature_statistics.feature_name
)

select * from final
