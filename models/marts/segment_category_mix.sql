-- One row per customer base, segment and product category: revenue, orders and shares,
-- from the valid order lines of the segment's customers (bases with an order history).
with

segmented_customers as (
    select
        customer_base,
        customer_id,
        segment_id,
        segment_key,
        persona_name
    from {{ ref('customer_segments') }}
),

order_lines as (
    select
        customer_base,
        order_id,
        customer_id,
        product_category,
        amount_usd
    from {{ ref('int_orders_validated') }}
    where is_valid
),

category_totals as (
    select
        segmented_customers.customer_base,
        segmented_customers.segment_id,
        segmented_customers.segment_key,
        segmented_customers.persona_name,
        order_lines.product_category,
        count(distinct order_lines.order_id) as order_count,
        count(*) as order_line_count,
        round(sum(order_lines.amount_usd), 2) as revenue_usd
    from segmented_customers
    inner join order_lines
        on
            segmented_customers.customer_base = order_lines.customer_base
            and segmented_customers.customer_id = order_lines.customer_id
    group by all
),

final as (
    select
        customer_base,
        segment_id,
        segment_key,
        persona_name,
        product_category,
        order_count,
        order_line_count,
        revenue_usd,
        round(revenue_usd / sum(revenue_usd) over (partition by customer_base, segment_id), 9) as revenue_share,
        round(order_line_count / sum(order_line_count) over (partition by customer_base, segment_id), 9)
            as order_line_share
    from category_totals
)

select * from final
