-- One row per build of the project: its number (1, 2, ...), dbt's invocation id, its
-- segment_mode and when it started. The history models (the model registry, each customer's
-- segment history, migrations and drift) key their rows by run_number. Incremental and never
-- fully refreshed, so the numbering survives a rebuild of the other tables.
{{ config(materialized='incremental', unique_key='run_id', full_refresh=false) }}

with

previous_runs as (
    select
        runs.run_number,
        runs.run_id
    from {{ this_or_empty({'run_number': 'bigint', 'run_id': 'varchar'}) }} as runs
),

final as (
    select
        coalesce((select max(previous_runs.run_number) from previous_runs), 0) + 1 as run_number,
        '{{ invocation_id }}' as run_id,
        '{{ segment_mode() }}' as segment_mode,
        '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}'::timestamp as started_at
    where '{{ invocation_id }}' not in (select previous_runs.run_id from previous_runs)
)

select * from final
