-- One row per valid customer of each base: every enriched column, a z-score per candidate
-- feature standardised within the customer's base (StandardScaler's formula), and
-- `feature_vector`, the point the customer's base is segmented in (see
-- int_segment_dimensions). A view: the z-scores and the vector are cheap to compute where
-- they are read, and not writing every customer once more saves the widest table.
{{ config(materialized='view') }}
{%- set categorical_features = all_categorical_segment_features() %}

with

enriched_customers as (
    select * from {{ ref('int_customers_enriched') }}
),

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

statistics_by_base as (
    select
        customer_base,
        {{ pivoted_statistics(candidate_features()) }}
    from feature_statistics
    group by customer_base
),

-- Per base, the values of each categorical feature in level order.
levels_by_base as (
    select
        customer_base,
        {%- for feature in categorical_features %}
        list(category_value order by level_position) filter (
            where feature_name = '{{ feature }}'
        ) as {{ feature }}__levels,
        {%- endfor %}
        count(*) as level_count
    from category_levels
    group by customer_base
),

standardised as (
    select
        enriched_customers.*,
        {{ zscore_columns(candidate_features(), 'enriched_customers', 'statistics_by_base') }}
    from enriched_customers
    left join statistics_by_base
        on enriched_customers.customer_base = statistics_by_base.customer_base
),

vectorised as (
    select
        standardised.*,
        {{ feature_vector('standardised', 'levels_by_base', segment_scaling()) }} as feature_vector
    from standardised
    -- Read by the categorical indicators of feature_vector, where a base has any.
    left join levels_by_base  -- noqa: ST11
        on standardised.customer_base = levels_by_base.customer_base
)

select * from vectorised
