-- One row per customer and run in which the customer's segment changed: joined (in no segment
-- of the base before), moved (from `previous_segment_id`), or left (no longer a valid customer
-- of the base). The state of a customer at any run is its latest change up to that run, so
-- the table grows with changes, not with every customer at every run. Incremental and never
-- fully refreshed.
{{ config(
    materialized='incremental',
    unique_key='run_number',
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

models as (
    select distinct
        customer_base,
        model_version
    from {{ ref('int_segment_models_in_force') }}
),

earlier_changes as (
    select
        changes.customer_base,
        changes.customer_id,
        changes.run_number,
        changes.segment_id
    from {{ this_or_empty({
        'customer_base': 'varchar', 'customer_id': 'varchar', 'run_number': 'bigint', 'segment_id': 'integer'
    }) }} as changes
    where changes.run_number < (select current_run.run_number from current_run)
),

-- Each customer's segment before this run: its latest change, unless that was leaving.
members_before as (
    select
        customer_base,
        customer_id,
        segment_id
    from earlier_changes
    where customer_base in ({{ sql_quoted_list(customer_bases()) }})
    qualify
        row_number() over (partition by customer_base, customer_id order by run_number desc) = 1
        and segment_id is not null
),

changes as (
    select
        coalesce(assignments.customer_base, members_before.customer_base) as customer_base,
        coalesce(assignments.customer_id, members_before.customer_id) as customer_id,
        case
            when members_before.segment_id is null then 'joined'
            when assignments.segment_id is null then 'left'
            else 'moved'
        end as change_kind,
        current_run.run_number,
        assignments.segment_id,
        members_before.segment_id as previous_segment_id
    from assignments
    full outer join members_before
        on
            assignments.customer_base = members_before.customer_base
            and assignments.customer_id = members_before.customer_id
    cross join current_run
    where assignments.segment_id is distinct from members_before.segment_id
),

final as (
    select
        changes.customer_base,
        changes.customer_id,
        changes.change_kind,
        changes.run_number,
        changes.segment_id,
        changes.previous_segment_id,
        models.model_version
    from changes
    left join models
        on changes.customer_base = models.customer_base
)

select * from final
