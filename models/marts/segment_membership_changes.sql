-- One row per customer whose segment changed in this run: joined a segment (new to the base,
-- or back), moved from another one, or left the base. What a sync tool sends to an email or ad
-- platform: only the changes (the audience files hold every member).
with

current_run as (
    select run_number from {{ ref('int_build_runs') }}
    qualify run_number = max(run_number) over ()
),

changes as (
    select
        customer_base,
        customer_id,
        change_kind,
        run_number,
        segment_id,
        previous_segment_id,
        model_version
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

final as (
    select
        changes.customer_base,
        changes.customer_id,
        changes.segment_id::integer as segment_id,
        changes.previous_segment_id::integer as previous_segment_id,
        changes.change_kind,
        current_names.persona_name,
        previous_names.persona_name as previous_persona_name,
        changes.run_number::integer as run_number,
        changes.model_version::integer as model_version
    from changes
    left join segment_names as current_names
        on
            changes.customer_base = current_names.customer_base
            and changes.segment_id = current_names.segment_id
    left join segment_names as previous_names
        on
            changes.customer_base = previous_names.customer_base
            and changes.previous_segment_id = previous_names.segment_id
)

select * from final
