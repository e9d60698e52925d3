-- One row per customer with valid orders: what they buy and where. The category with the
-- customer's highest spend (and its share of their spend) and the channel of most of their
-- orders.
with

valid_lines as (
    select
        customer_base,
        customer_id,
        order_id,
        product_category,
        channel,
        amount_usd
    from {{ ref('int_orders_validated') }}
    where is_valid
),

category_spend as (
    select
        customer_base,
        customer_id,
        product_category,
        round(sum(amount_usd), 2) as category_spend_usd
    from valid_lines
    group by customer_base, customer_id, product_category
),

-- Ties go to the alphabetically first category, so the result is deterministic. Money is
-- rounded to the cent and shares to 9 decimals, so that floating-point sums taken in a
-- different order (parallel aggregation) give the same published values.
favourite_categories as (
    select
        customer_base,
        customer_id,
        product_category as favourite_category,
        round(
            category_spend_usd / sum(category_spend_usd) over (partition by customer_base, customer_id), 9
        ) as favourite_category_spend_share
    from category_spend
    qualify row_number() over (
        partition by customer_base, customer_id
        order by category_spend_usd desc, product_category asc
    ) = 1
),

channel_orders as (
    select
        customer_base,
        customer_id,
        channel,
        count(distinct order_id) as channel_order_count
    from valid_lines
    group by customer_base, customer_id, channel
),

preferred_channels as (
    select
        customer_base,
        customer_id,
        channel as preferred_channel
    from channel_orders
    qualify row_number() over (
        partition by customer_base, customer_id
        order by channel_order_count desc, channel asc
    ) = 1
),

final as (
    select
        favourite_categories.customer_base,
        favourite_categories.customer_id,
        favourite_categories.favourite_category,
        preferred_channels.preferred_channel,
        favourite_categories.favourite_category_spend_share
    from favourite_categories
    inner join preferred_channels
        on
            favourite_categories.customer_base = preferred_channels.customer_base
            and favourite_categories.customer_id = preferred_channels.customer_id
)

select * from final
