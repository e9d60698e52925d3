-- One row per customer base, run and segment feature (drift_kind 'feature'), and per base, run
-- and segment (drift_kind 'segment_share'). A feature's population stability index compares
-- the valid customers of this run with the training sample of the reference model (the one in
-- force before this run; see int_segment_models_in_force), binned as at fit time
-- (int_segment_model_bins): sum over bins of (current - reference) * ln(current / reference),
-- shares floored at 0.0001. Past var('drift_psi_threshold') (0.25) a feature has drifted: a
-- test warns, the signal to refit. A segment's share is compared with the previous run's.
-- Incremental: each run adds its rows.
{{ config(
    materialized='incremental',
    unique_key='run_number',
    on_schema_change='append_new_columns',
    full_refresh=false,
) }}

with

current_run as (
    select run_number from {{ ref('int_build_runs') }}
    qualify run_number = max(run_number) over ()
),

models as (
    select distinct
        customer_base,
        model_version,
        reference_model_version
    from {{ ref('int_segment_models_in_force') }}
),

reference_bins as (
    select
        bins.customer_base,
        bins.feature_name,
        bins.feature_kind,
        bins.category_value,
        bins.bin_position,
        bins.upper_bound,
        bins.training_share
    from {{ ref('int_segment_model_bins') }} as bins
    inner join models
        on
            bins.customer_base = models.customer_base
            and bins.model_version = models.reference_model_version
),

customers as (
    select * from {{ ref('int_customers_enriched') }}
),

migrations as (
    select
        customer_base,
        from_segment_id,
        to_segment_id,
        customer_count
    from {{ ref('segment_migrations') }}
    where run_number = (select current_run.run_number from current_run)
),

upper_bounds as (
    select
        customer_base,
        feature_name,
        list(upper_bound order by bin_position) filter (where upper_bound is not null) as upper_bounds
    from reference_bins
    where feature_kind = 'numeric'
    group by customer_base, feature_name
),

current_values as (
    {{ segment_feature_values('customers') }}
),

-- Each distinct current value with the number of customers who have it, so that a value is
-- binned once, not once per customer.
current_counts as (
    select
        customer_base,
        feature_name,
        feature_kind,
        numeric_value,
        category_value,
        count(*) as customer_count
    from current_values
    where numeric_value is not null or feature_kind = 'categorical'
    group by customer_base, feature_name, feature_kind, numeric_value, category_value
),

-- Each current value in the reference bins; a category the training sample did not have is
-- a bin of its own (position 0), with no reference share.
current_binned as (
    select
        current_counts.customer_base,
        current_counts.feature_name,
        case
            when current_counts.feature_kind = 'numeric'
                then len(list_filter(
                    upper_bounds.upper_bounds,
                    lambda bound: bound < current_counts.numeric_value  -- noqa: RF02
                )) + 1
            else coalesce(category_bins.bin_position, 0)
        end as bin_position,
        current_counts.customer_count
    from current_counts
    left join upper_bounds
        on
            current_counts.customer_base = upper_bounds.customer_base
            and current_counts.feature_name = upper_bounds.feature_name
    left join reference_bins as category_bins
        on
            current_counts.feature_kind = 'categorical'
            and current_counts.customer_base = category_bins.customer_base
            and current_counts.feature_name = category_bins.feature_name
            and coalesce(current_counts.category_value, '') = category_bins.category_value
),

current_shares as (
    select
        customer_base,
        feature_name,
        bin_position,
        sum(customer_count)
        / sum(sum(customer_count)) over (partition by customer_base, feature_name) as current_share
    from current_binned
    group by customer_base, feature_name, bin_position
),

-- Each bin's current and reference shares, floored so that an empty bin keeps the index finite.
bin_shares as (
    select
        coalesce(reference_bins.customer_base, current_shares.customer_base) as customer_base,
        coalesce(reference_bins.feature_name, current_shares.feature_name) as feature_name,
        {{ drift_share('coalesce(current_shares.current_share, 0)') }} as current_share,
        {{ drift_share('coalesce(reference_bins.training_share, 0)') }} as reference_share
    from reference_bins
    full outer join current_shares
        on
            reference_bins.customer_base = current_shares.customer_base
            and reference_bins.feature_name = current_shares.feature_name
            and reference_bins.bin_position = current_shares.bin_position
),

feature_drift as (
    select
        customer_base,
        feature_name,
        round(sum((current_share - reference_share) * ln(current_share / reference_share)), 9)
            as population_stability_index
    from bin_shares
    group by customer_base, feature_name
),

previous_shares as (
    select
        customer_base,
        from_segment_id as segment_id,
        sum(customer_count) / sum(sum(customer_count)) over (partition by customer_base) as segment_share
    from migrations
    where from_segment_id is not null
    group by customer_base, from_segment_id
),

current_segment_shares as (
    select
        customer_base,
        to_segment_id as segment_id,
        sum(customer_count) / sum(sum(customer_count)) over (partition by customer_base) as segment_share
    from migrations
    where to_segment_id is not null
    group by customer_base, to_segment_id
),

share_drift as (
    select
        coalesce(current_segment_shares.customer_base, previous_shares.customer_base) as customer_base,
        coalesce(current_segment_shares.segment_id, previous_shares.segment_id) as segment_id,
        round(previous_shares.segment_share, 9) as reference_share,
        round(current_segment_shares.segment_share, 9) as current_share
    from current_segment_shares
    full outer join previous_shares
        on
            current_segment_shares.customer_base = previous_shares.customer_base
            and current_segment_shares.segment_id = previous_shares.segment_id
),

final as (
    select
        feature_drift.customer_base,
        'feature' as drift_kind,
        feature_drift.feature_name,
        current_run.run_number::integer as run_number,
        models.model_version::integer as model_version,
        models.reference_model_version::integer as reference_model_version,
        null::integer as segment_id,
        feature_drift.population_stability_index,
        null::double as reference_share,
        null::double as current_share,
        null::double as share_change,
        feature_drift.population_stability_index > {{ var('drift_psi_threshold') }} as is_drifted
    from feature_drift
    cross join current_run
    inner join models
        on feature_drift.customer_base = models.customer_base
    union all
    select
        share_drift.customer_base,
        'segment_share' as drift_kind,
        null as feature_name,
        current_run.run_number::integer as run_number,
        models.model_version::integer as model_version,
        models.reference_model_version::integer as reference_model_version,
        share_drift.segment_id::integer as segment_id,
        null::double as population_stability_index,
        share_drift.reference_share,
        share_drift.current_share,
        round(coalesce(share_drift.current_share, 0) - coalesce(share_drift.reference_share, 0), 9)
            as share_change,
        null::boolean as is_drifted
    from share_drift
    cross join current_run
    inner join models
        on share_drift.customer_base = models.customer_base
)

select * from final
