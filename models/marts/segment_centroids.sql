-- One row per customer base, segment and dimension of the segmentation space: the centroid in
-- raw units and in standardised units (the equivalent of BigQuery ML's ML.CENTROIDS). A
-- categorical feature has one row per category, whose raw value is the segment's share in it.
with

centroids as (
    select * from {{ ref('int_segment_models_in_force') }}
),

dimensions as (
    select
        customer_base,
        dimension_position,
        feature_position
    from {{ ref('int_segment_dimensions') }}
),

final as (
    select
        centroids.customer_base,
        centroids.segment_id::integer as segment_id,
        {{ segment_key('centroids.customer_base', 'centroids.segment_id') }} as segment_key,
        centroids.feature_name,
        centroids.feature_kind,
        centroids.category_value::varchar as category_value,
        centroids.persona_name,
        centroids.scaling,
        centroids.model_version::integer as model_version,
        dimensions.feature_position::integer as feature_position,
        centroids.dimension_position::integer as dimension_position,
        centroids.centroid_raw,
        centroids.centroid_standardised
    from centroids
    inner join dimensions
        on
            centroids.customer_base = dimensions.customer_base
            and centroids.dimension_position = dimensions.dimension_position
)

select * from final
