-- One row per rejected input row of every source, with every rule it failed and its raw values.
with

rejected_customers as (
    select
        source_name,
        source_file,
        customer_base,
        customer_id as raw_key,
        failed_rules,
        raw_record,
        source_row_number
    from {{ ref('int_customers_validated') }}
    where not is_valid
),

rejected_order_lines as (
    select
        source_name,
        source_file,
        customer_base,
        order_id || ' / ' || coalesce(line_number::varchar, '?') as raw_key,
        failed_rules,
        raw_record,
        source_row_number
    from {{ ref('int_orders_validated') }}
    where not is_valid
),

rejected_memberships as (
    select
        source_name,
        source_file,
        customer_base,
        customer_id as raw_key,
        failed_rules,
        raw_record,
        source_row_number
    from {{ ref('int_loyalty_members_validated') }}
    where not is_valid
),

unioned as (
    select * from rejected_customers
    union all
    select * from rejected_order_lines
    union all
    select * from rejected_memberships
),

final as (
    select
        source_name,
        source_file,
        raw_key,
        customer_base,
        failed_rules,
        raw_record,
        source_row_number,
        len(string_split(failed_rules, ', ')) as failed_rule_count
    from unioned
)

select * from final
