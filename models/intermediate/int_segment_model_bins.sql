-- One row per customer base, model version, segment feature and bin of the feature's values
-- in the version's training sample: for a numeric feature, var('drift_bins') quantile bins
-- (each up to and including `upper_bound`; the last one unbounded), for a categorical one, a
-- bin per category; each with the share of the training sample in it. Written once, in the
-- run that registers the version; segment_drift bins the data of later runs the same way.
-- Incremental and never fully refreshed.
{{ config(
    materialized='incremental',
    unique_key=['customer_base', 'model_version'],
    full_refresh=false,
) }}
{%- set quantiles = [] %}
{%- for position in range(1, var('drift_bins') | int) %}
    {%- do quantiles.append(position ~ ' / ' ~ var('drift_bins') | int) %}
{%- endfor %}

with

current_run as (
    select run_id from {{ ref('int_build_runs') }}
    qualify run_number = max(run_number) over ()
),

-- The versions this run registered.
registered as (
    select distinct
        registry.customer_base,
        registry.model_version
    from {{ ref('int_segment_model_registry') }} as registry
    inner join current_run
        on registry.fitted_run_id = current_run.run_id
),

sample_customers as (
    select enriched.*
    from {{ ref('int_customers_enriched') }} as enriched
    semi join {{ ref('int_segment_samples') }} as samples
        on
            enriched.customer_base = samples.customer_base
            and enriched.customer_id = samples.customer_id
),

sample_values as (
    {{ segment_feature_values('sample_customers') }}
),

values_of_registered as (
    select
        registered.model_version,
        sample_values.*
    from sample_values
    inner join registered
        on sample_values.customer_base = registered.customer_base
),

edges as (
    select
        customer_base,
        model_version,
        feature_name,
        list_sort(list_distinct(quantile_cont(
            numeric_value,
            [{{ quantiles | join(', ') }}]
        ))) as upper_bounds
    from values_of_registered
    where feature_kind = 'numeric'
    group by customer_base, model_version, feature_name
),

numeric_binned as (
    select
        values_of_registered.customer_base,
        values_of_registered.model_version,
        values_of_registered.feature_name,
        'numeric' as feature_kind,
        len(list_filter(
            edges.upper_bounds,
            lambda bound: bound < values_of_registered.numeric_value  -- noqa: RF02
        )) + 1 as bin_position,
        edges.upper_bounds
    from values_of_registered
    inner join edges
        on
            values_of_registered.customer_base = edges.customer_base
            and values_of_registered.model_version = edges.model_version
            and values_of_registered.feature_name = edges.feature_name
    where values_of_registered.numeric_value is not null
),

numeric_bins as (
    select
        customer_base,
        model_version,
        feature_name,
        feature_kind,
        bin_position,
        null::varchar as category_value,
        any_value(upper_bounds)[bin_position] as upper_bound,
        count(*) as customer_count
    from numeric_binned
    group by customer_base, model_version, feature_name, feature_kind, bin_position
),

category_bins as (
    select
        customer_base,
        model_version,
        feature_name,
        'categorical' as feature_kind,
        row_number() over (
            partition by customer_base, model_version, feature_name order by coalesce(category_value, '')
        ) as bin_position,
        coalesce(category_value, '') as category_value,
        null::double as upper_bound,
        count(*) as customer_count
    from values_of_registered
    where feature_kind = 'categorical'
    group by customer_base, model_version, feature_name, coalesce(category_value, '')
),

all_bins as (
    select * from numeric_bins
    union all
    select * from category_bins
),

final as (
    select
        customer_base,
        model_version,
        feature_name,
        feature_kind,
        category_value,
        bin_position,
        upper_bound,
        customer_count,
        customer_count / sum(customer_count) over (
            partition by customer_base, model_version, feature_name
        ) as training_share
    from all_bins
)

select * from final
