-- One row per customer base and number of segments k tried: the fit and separation
-- measures that pick k (data for elbow and silhouette charts), the partition's stability
-- under resampling, the chosen k flagged. Empty in score mode, which fits nothing (hence the
-- casts: an empty frame has no types of its own).
with

diagnostics as (
    select * from {{ ref('int_segment_diagnostics') }}
),

final as (
    select
        customer_base::varchar as customer_base,
        k::integer as k,
        k_rule::varchar as k_rule,
        sample_row_count::integer as sample_row_count,
        inertia::double as inertia,
        silhouette::double as silhouette,
        calinski_harabasz::double as calinski_harabasz,
        davies_bouldin::double as davies_bouldin,
        stability_ari::double as stability_ari,
        is_chosen_k::boolean as is_chosen_k
    from diagnostics
)

select * from final
