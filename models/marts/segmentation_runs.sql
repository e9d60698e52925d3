-- One row for this run: what was built from what, with which settings and versions.
-- The publish step (scripts/publish.py) sets finished_at and appends the row to the
-- history of published runs in the serving database, so there it holds one row per
-- published run.
with

source_counts as (
    select * from {{ ref('source_row_counts') }}
),

current_run as (
    select
        run_number,
        segment_mode
    from {{ ref('int_build_runs') }}
    qualify run_number = max(run_number) over ()
),

-- The model in force in each base: its version and number of segments.
models as (
    select
        customer_base,
        any_value(model_version) as model_version,
        count(distinct segment_id) as k
    from {{ ref('int_segment_models_in_force') }}
    group by customer_base
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
            as chosen_k_json,
        to_json(map_from_entries(list((customer_base, model_version) order by customer_base)))::varchar
            as model_versions_json
    from models
),

final as (
    select
        '{{ invocation_id }}' as run_id,
        '{{ dbt_version }}' as dbt_version,
        (select versions.library_version from pragma_version() as versions) as duckdb_version,
        counts.input_row_counts_json,
        counts.rejected_row_counts_json,
        current_run.segment_mode,
        '{{ tojson(segmentation_settings()) | replace("'", "''") }}' as settings_json,
        chosen_k.chosen_k_json,
        chosen_k.model_versions_json,
        current_run.run_number::integer as run_number,
        counts.input_row_count,
        counts.rejected_row_count,
        '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}'::timestamp as started_at,
        null::timestamp as finished_at
    from counts
    cross join chosen_k
    cross join current_run
)

select * from final
