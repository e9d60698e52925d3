-- One row for this run: what was built from what, with which settings and versions.
-- The publish step (scripts/publish.py) sets finished_at and appends the row to the
-- history of published runs in the serving database, so there it holds one row per
-- published run.
with

source_counts as (
    select * from {{ ref('source_row_counts') }}
),

diagnostics as (
    select
        customer_base,
        k
    from {{ ref('int_segment_diagnostics') }}
    where is_chosen_k
),

counts as (
    select
        sum(raw_row_count)::bigint as input_row_count,
        sum(rejected_row_count)::bigint as rejected_row_count,
        to_json(map_from_entries(list((source_name, raw_row_count) order by source_name)))::varchar
            as input_row_counts_json,
        to_json(map_from_entries(list((source_name, rejected_row_count) order by source_name)))::varchar
            as rejected_row_counts_json
    from source_counts
),

chosen_k as (
    select
        to_json(map_from_entries(list((customer_base, k) order by customer_base)))::varchar
            as chosen_k_json
    from diagnostics
),

final as (
    select
        '{{ invocation_id }}' as run_id,
        '{{ dbt_version }}' as dbt_version,
        (select versions.library_version from pragma_version() as versions) as duckdb_version,
        counts.input_row_counts_json,
        counts.rejected_row_counts_json,
        '{{ tojson(segmentation_settings()) | replace("'", "''") }}' as settings_json,
        chosen_k.chosen_k_json,
        counts.input_row_count,
        counts.rejected_row_count,
        '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}'::timestamp as started_at,
        null::timestamp as finished_at
    from counts
    cross join chosen_k
)

select * from final
