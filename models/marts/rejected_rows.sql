-- One row per rejected input row, with every rule it failed and its raw values.
with

rejected_customers as (
    select
        source_name,
        source_row_number,
        customer_base,
        customer_id,
        failed_rules,
        raw_record
    from {{ ref('int_customers_validated') }}
    where not is_valid
),

final as (
    select
        source_name,
        customer_id as raw_key,
        customer_base,
        failed_rules,
        raw_record,
        source_row_number,
        len(string_split(failed_rules, ', ')) as failed_rule_count
    from rejected_customers
)

select * from final
