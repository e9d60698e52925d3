-- One row per customer base, model version, segment and dimension: the model registry, every
-- model a refit registered (see int_segment_model_registry). A version freezes how customers
-- are placed in its space (means, standard deviations, categories, scaling) and its segments
-- (centroids, ids, persona names); score mode assigns with the latest version of each base.
with

registry as (
    select * from {{ ref('int_segment_model_registry') }}
),

final as (
    select
        customer_base,
        model_version::integer as model_version,
        segment_id::integer as segment_id,
        dimension_position::integer as dimension_position,
        {{ segment_key('customer_base', 'segment_id') }} as segment_key,
        persona_name,
        feature_name,
        feature_kind,
        category_value::varchar as category_value,
        scaling,
        vanished_segment_ids,
        settings_json,
        model_fingerprint,
        fitted_run_id,
        previous_model_version::integer as previous_model_version,
        segment_count::integer as segment_count,
        training_sample_size::bigint as training_sample_size,
        feature_mean,
        feature_stddev,
        encoding_value,
        centroid_value,
        centroid_standardised,
        centroid_raw,
        segment_stability,
        match_distance,
        fitted_at::timestamp as fitted_at
    from registry
)

select * from final
