-- One row per customer base, segment and clustering feature: the centroid in raw units
-- and in standardised units (the equivalent of BigQuery ML's ML.CENTROIDS).
with

centroids as (
    select * from {{ ref('int_segment_centroids') }}
),

final as (
    select
        customer_base,
        segment_id::integer as segment_id,
        {{ segment_key('customer_base', 'segment_id') }} as segment_key,
        feature_name,
        persona_name,
        scaling,
        feature_position::integer as feature_position,
        centroid_raw,
        centroid_standardised
    from centroids
)

select * from final
