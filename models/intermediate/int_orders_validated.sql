-- Every raw order line of every base with an order history, with the names of the validation
-- rules it fails. Valid lines are counted in the customer's behaviour features; the others go
-- to the rejected_rows mart.
-- Orders after the cutoff (var orders_cutoff_date; unset: the run's date, UTC) are in the future.
{%- set orders_cutoff = cutoff_date() %}
with

order_lines as (
    select * from {{ ref('stg_customer_bases__orders') }}
),

known_customers as (
    select
        customer_base,
        customer_id,
        is_customer_valid
    from {{ ref('int_customer_ids_resolved') }}
),

-- The first copy of an (order, line) in read order counts; later copies are duplicates.
numbered_lines as (
    select
        *,
        row_number() over (
            partition by source_name, order_id, line_number
            order by source_row_number
        ) as line_copy_number
    from order_lines
),

checked as (
    select
        numbered_lines.*,
        concat_ws(
            ', ',
            case when numbered_lines.is_ragged_row then 'ragged_row' end,
            case
                when
                    numbered_lines.order_id is null
                    or numbered_lines.customer_id is null
                    or numbered_lines.line_number_text is null
                    or numbered_lines.order_date_text is null
                    or numbered_lines.amount_text is null
                    or numbered_lines.product_category is null
                    or numbered_lines.channel is null
                    then 'missing_required_value'
            end,
            case
                when
                    (numbered_lines.line_number_text is not null and numbered_lines.line_number is null)
                    or (numbered_lines.order_date_text is not null and numbered_lines.order_date is null)
                    or (numbered_lines.amount_text is not null and numbered_lines.amount_usd is null)
                    then 'unparseable_value'
            end,
            case
                when numbered_lines.customer_id is not null and known_customers.customer_id is null
                    then 'unknown_customer'
            end,
            case when not known_customers.is_customer_valid then 'customer_rejected' end,
            case when numbered_lines.amount_usd <= 0 then 'non_positive_amount' end,
            case
                when not isfinite(numbered_lines.amount_usd) or not isfinite(numbered_lines.order_date)
                    then 'non_finite_value'
            end,
            case
                when
                    isfinite(numbered_lines.amount_usd)
                    and numbered_lines.amount_usd > {{ var('max_order_amount_usd') }}
                    then 'implausible_amount'
            end,
            case
                when numbered_lines.order_date > {{ orders_cutoff }}
                    then 'future_order_date'
            end,
            case
                when numbered_lines.product_category not in {{ sql_string_list('product_categories') }}
                    then 'unknown_product_category'
            end,
            case
                when numbered_lines.channel not in {{ sql_string_list('order_channels') }}
                    then 'unknown_channel'
            end,
            case
                when numbered_lines.order_id is not null and numbered_lines.line_copy_number > 1
                    then 'duplicate_order_line'
            end
        ) as failed_rules
    from numbered_lines
    left join known_customers
        on
            numbered_lines.customer_base = known_customers.customer_base
            and numbered_lines.customer_id = known_customers.customer_id
),

final as (
    select
        source_name,
        source_file,
        source_row_number,
        customer_base,
        order_id,
        customer_id,
        product_category,
        channel,
        failed_rules,
        {{ raw_record_json('orders') }} as raw_record,
        line_number,
        amount_usd,
        failed_rules = '' as is_valid,
        order_date
    from checked
)

select * from final
