-- One row per customer base, segment and dimension of the model each base's customers are
-- assigned with in this run: the base's latest registered version (registered by this run's
-- refit when the fit changed the model, or by an earlier run). `reference_model_version` is
-- the version that was in force before this run (the same one when this run registered
-- nothing): segment_drift compares the data with its training sample.
with

registry as (
    select
        customer_base,
        model_version,
        segment_id,
        dimension_position,
        feature_name,
        feature_kind,
        category_value,
        persona_name,
        scaling,
        centroid_value,
        centroid_standardised,
        centroid_raw,
        segment_stability,
        fitted_run_id
    from {{ ref('int_segment_model_registry') }}
    where customer_base in ({{ sql_quoted_list(customer_bases()) }})
),

current_run as (
    select run_id from {{ ref('int_build_runs') }}
    qualify run_number = max(run_number) over ()
),

versions as (
    select
        registry.customer_base,
        max(registry.model_version) as model_version,
        coalesce(
            max(registry.model_version) filter (where registry.fitted_run_id != current_run.run_id),
            max(registry.model_version)
        ) as reference_model_version
    from registry
    cross join current_run
    group by registry.customer_base
),

final as (
    select
        registry.customer_base,
        registry.segment_id,
        registry.dimension_position,
        registry.feature_name,
        registry.feature_kind,
        registry.category_value,
        registry.persona_name,
        registry.scaling,
        registry.model_version,
        versions.reference_model_version,
        registry.centroid_value,
        registry.centroid_standardised,
        registry.centroid_raw,
        registry.segment_stability
    from registry
    inner join versions
        on
            registry.customer_base = versions.customer_base
            and registry.model_version = versions.model_version
)

select * from final
