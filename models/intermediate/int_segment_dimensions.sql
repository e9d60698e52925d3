-- One row per customer base and dimension of the space its customers are segmented in: each
-- numeric feature (standardised with the base's mean and standard deviation, or raw when
-- segment_scaling is 'none'), then one indicator per value of each categorical feature,
-- worth categorical_feature_weight / sqrt(2) when the customer has that value and 0
-- otherwise (so two customers in different categories are categorical_feature_weight
-- apart). The order of the rows is the order of `feature_vector` in int_customers_featurized.
-- In score mode (var segment_mode) the space is the one of the latest registered model of the
-- base, frozen with it: its features, categories, means, standard deviations and scaling.
{%- if segment_mode() == 'score' %}
with

registered as (
    select
        customer_base,
        model_version,
        segment_id,
        dimension_position,
        feature_name,
        feature_kind,
        category_value,
        feature_mean,
        feature_stddev,
        encoding_value,
        scaling
    from {{ model_registry_relation() }}
),

latest_versions as (
    select
        customer_base,
        max(model_version) as model_version
    from registered
    group by customer_base
),

-- Each dimension once: the rows of the latest version's first segment.
latest_dimensions as (
    select
        registered.*,
        min(registered.dimension_position) over (
            partition by registered.customer_base, registered.feature_name
        ) as first_feature_dimension
    from registered
    inner join latest_versions
        on
            registered.customer_base = latest_versions.customer_base
            and registered.model_version = latest_versions.model_version
    qualify registered.segment_id = min(registered.segment_id) over (partition by registered.customer_base)
),

final as (
    select
        customer_base,
        dimension_position,
        feature_name,
        feature_kind,
        category_value,
        dense_rank() over (partition by customer_base order by first_feature_dimension) as feature_position,
        feature_mean,
        feature_stddev,
        encoding_value,
        scaling,
        model_version
    from latest_dimensions
)

select * from final
{%- else %}
-- The refit branch keeps the layout of a model of its own.
-- noqa: disable=LT02
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

-- The registry's features per base, in order: numeric ones first, then categorical ones.
segment_features as (
    select * from (
        values {{ segment_feature_rows() }}
    ) as features (customer_base, feature_name, feature_kind, feature_position)  -- noqa: AL05
    where customer_base is not null
),

-- Numeric features are one dimension each; a categorical one has a dimension per category.
dimensions as (
    select
        segment_features.customer_base,
        segment_features.feature_name,
        segment_features.feature_kind,
        category_levels.category_value,
        segment_features.feature_position,
        coalesce(category_levels.level_position, 0) as level_position
    from segment_features
    left join category_levels
        on
            segment_features.feature_kind = 'categorical'
            and segment_features.customer_base = category_levels.customer_base
            and segment_features.feature_name = category_levels.feature_name
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
        end as encoding_value,
        '{{ segment_scaling() }}' as scaling,
        null::bigint as model_version
    from dimensions
    left join feature_statistics
        on
            dimensions.customer_base = feature_statistics.customer_base
            and dimensions.feature_name = feature_statistics.feature_name
)

select * from final
{%- endif %}
