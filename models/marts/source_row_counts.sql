-- One row per source: its base and kind, rows read, rows passed on and rows rejected, and the
-- rejected share (the data-quality picture, and what the rejected-share thresholds test).
-- Rows rejected only because their customer was rejected are counted, but kept out of
-- own_rejected_share: the fault is the customer file's, and is counted there.
with

customer_rows as (
    select
        source_name,
        customer_base,
        'customers' as source_kind,
        failed_rules,
        is_valid
    from {{ ref('int_customers_validated') }}
),

order_line_rows as (
    select
        source_name,
        customer_base,
        'orders' as source_kind,
        failed_rules,
        is_valid
    from {{ ref('int_orders_validated') }}
),

membership_rows as (
    select
        source_name,
        customer_base,
        'loyalty_members' as source_kind,
        failed_rules,
        is_valid
    from {{ ref('int_loyalty_members_validated') }}
),

unioned as (
    select * from customer_rows
    union all
    select * from order_line_rows
    union all
    select * from membership_rows
),

counted as (
    select
        source_name,
        customer_base,
        source_kind,
        count(*) as raw_row_count,
        count(*) filter (where is_valid) as passing_row_count,
        count(*) filter (where not is_valid) as rejected_row_count,
        count(*) filter (where failed_rules = 'customer_rejected') as cascaded_row_count
    from unioned
    group by source_name, customer_base, source_kind
),

final as (
    select
        source_name,
        customer_base,
        source_kind,
        raw_row_count,
        passing_row_count,
        rejected_row_count,
        cascaded_row_count,
        rejected_row_count / nullif(raw_row_count, 0) as rejected_share,
        (rejected_row_count - cascaded_row_count) / nullif(raw_row_count, 0) as own_rejected_share
    from counted
)

select * from final
