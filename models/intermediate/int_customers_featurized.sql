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

-- The space each base's customers are placed in: this run's (refit) or the registered
-- model's, frozen with it (score).
dimensions as (
    select
        customer_base,
        dimension_position,
        feature_name,
        feature_kind,
        category_value,
        feature_mean,
        feature_stddev,
        encoding_value,
        scaling
    from {{ ref('int_segment_dimensions') }}
),

statistics_by_base as (
    select
        customer_base,
        {{ pivoted_statistics(candidate_features()) }}
    from feature_statistics
    group by customer_base
),

-- Per base, what places a customer in its space: the mean and standard deviation of each
-- numeric feature, and the values of each categorical feature in level order with the
-- indicator's value.
vector_parameters as (
    select
        customer_base,
        {{ pivoted_statistics(candidate_features()) }},
        {%- for feature in categorical_features %}
        list(category_value order by dimension_position) filter (
            where feature_name = '{{ feature }}'
        ) as {{ feature }}__levels,
        max(encoding_value) filter (where feature_name = '{{ feature }}') as {{ feature }}__encoding,
        {%- endfor %}
        any_value(scaling) as scaling
    from dimensions
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
        {{ feature_vector('standardised', 'vector_parameters') }} as feature_vector
    from standardised
    -- Read by feature_vector.
    left join vector_parameters  -- noqa: ST11
        on standardised.customer_base = vector_parameters.customer_base
)

select * from vectorised
