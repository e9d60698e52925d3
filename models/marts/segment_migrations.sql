-- One row per customer base, run, and pair of segments (from the previous run, to this run)
-- with customers: how many stayed, moved from one segment to another, joined (no `from`
-- segment: new to the base, or back) or left (no `to` segment). The `from` side adds up to
-- the base's customers of the previous run, the `to` side to those of this run. Incremental:
-- each run adds its rows, so the table is the base's history of migrations.
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

assignments as (
    select
        customer_base,
        customer_id,
        segment_id
    from {{ ref('int_customers_assigned') }}
),

this_run_changes as (
    select
        customer_base,
        customer_id,
        segment_id,
        previous_segment_id
    from {{ ref('int_customer_segment_changes') }}
    where run_number = (select current_run.run_number from current_run)
),

segment_names as (
    select
        customer_base,
        segment_id,
        arg_max(persona_name, model_version) as persona_name
    from {{ ref('int_segment_model_registry') }}
    group by customer_base, segment_id
),

-- Customers of this run whose segment did not change: each segment's customers less those
-- who joined it or moved into it this run (counts on both sides, so no join of customers).
segment_counts as (
    select
        customer_base,
        segment_id,
        count(*) as customer_count
    from assignments
    group by customer_base, segment_id
),

arrival_counts as (
    select
        customer_base,
        segment_id,
        count(*) as customer_count
    from this_run_changes
    where segment_id is not null
    group by customer_base, segment_id
),

stayed as (
    select
        segment_counts.customer_base,
        segment_counts.segment_id as from_segment_id,
        segment_counts.segment_id as to_segment_id,
        segment_counts.customer_count - coalesce(arrival_counts.customer_count, 0) as customer_count
    from segment_counts
    left join arrival_counts
        on
            segment_counts.customer_base = arrival_counts.customer_base
            and segment_counts.segment_id = arrival_counts.segment_id
    where segment_counts.customer_count > coalesce(arrival_counts.customer_count, 0)
),

changed as (
    select
        customer_base,
        previous_segment_id as from_segment_id,
        segment_id as to_segment_id,
        count(*) as customer_count
    from this_run_changes
    group by customer_base, previous_segment_id, segment_id
),

migrations as (
    select * from stayed
    union all
    select * from changed
),

final as (
    select
        migrations.customer_base,
        case
            when migrations.from_segment_id is null then 'joined'
            when migrations.to_segment_id is null then 'left'
            when migrations.from_segment_id = migrations.to_segment_id then 'stayed'
            else 'moved'
        end as migration_kind,
        from_names.persona_name as from_persona_name,
        to_names.persona_name as to_persona_name,
        current_run.run_number::integer as run_number,
        migrations.from_segment_id::integer as from_segment_id,
        migrations.to_segment_id::integer as to_segment_id,
        migrations.customer_count::bigint as customer_count
    from migrations
    cross join current_run
    left join segment_names as from_names
        on
            migrations.customer_base = from_names.customer_base
            and migrations.from_segment_id = from_names.segment_id
    left join segment_names as to_names
        on
            migrations.customer_base = to_names.customer_base
            and migrations.to_segment_id = to_names.segment_id
)

select * from final
