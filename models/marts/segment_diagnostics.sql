-- One row per customer base and number of segments k tried: the fit and separation
-- measures that pick k (data for elbow and silhouette charts), the partition's stability
-- under resampling, the chosen k flagged.
with

diagnostics as (
    select * from {{ ref('int_segment_diagnostics') }}
),

final as (
    select
        customer_base,
        k::integer as k,
        k_rule,
        sample_row_count::integer as sample_row_count,
        inertia,
        silhouette,
        calinski_harabasz,
        davies_bouldin,
        stability_ari,
        is_chosen_k
    from diagnostics
)

select * from final
