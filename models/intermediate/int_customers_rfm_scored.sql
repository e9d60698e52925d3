-- One row per valid customer of a base with an order history: recency, frequency and
-- monetary value of their valid order lines relative to the reference date, R/F/M scores 1-5,
-- the classic RFM segment and loyalty membership (what customers buy and where:
-- int_customers_purchase_preferences).
with

valid_customers as (
    select
        customer_base,
        customer_id
    from {{ ref('int_customers_validated') }}
    where is_valid and customer_base in ({{ sql_quoted_list(bases_with('orders')) }})
),

valid_lines as (
    select
        customer_base,
        customer_id,
        order_id,
        amount_usd,
        order_date
    from {{ ref('int_orders_validated') }}
    where is_valid
),

memberships as (
    select
        customer_base,
        customer_id,
        loyalty_tier,
        joined_date
    from {{ ref('int_loyalty_members_validated') }}
    where is_valid
),

-- Recency is counted from the reference date (default: the day after the base's last valid
-- order).
reference_dates as (
    select
        customer_base,
        {{ sql_date_var('rfm_reference_date', 'max(order_date) + 1') }} as reference_date,
        min(order_date) as history_start_date
    from valid_lines
    group by customer_base
),

customer_orders as (
    select
        customer_base,
        customer_id,
        count(distinct order_id) as order_count,
        count(*) as order_line_count,
        round(sum(amount_usd), 2) as monetary_value_usd,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from valid_lines
    group by customer_base, customer_id
),

-- Read twice below (whole rows, and the ranks): recomputed rather than materialised.
joined as not materialized (
    select
        valid_customers.customer_base,
        valid_customers.customer_id,
        memberships.loyalty_tier,
        -- A customer who never ordered counts as last seen at the start of the order history.
        reference_dates.reference_date - coalesce(
            customer_orders.last_order_date, reference_dates.history_start_date
        ) as recency_days,
        coalesce(customer_orders.order_count, 0) as order_count,
        coalesce(customer_orders.order_line_count, 0) as order_line_count,
        coalesce(customer_orders.monetary_value_usd, 0) as monetary_value_usd,
        case
            when memberships.joined_date is not null
                then greatest(reference_dates.reference_date - memberships.joined_date, 0)
        end as loyalty_tenure_days,
        customer_orders.order_count is not null as has_orders,
        memberships.customer_id is not null as is_loyalty_member,
        customer_orders.first_order_date,
        customer_orders.last_order_date,
        memberships.joined_date as loyalty_joined_date,
        reference_dates.reference_date
    from valid_customers
    left join reference_dates
        on valid_customers.customer_base = reference_dates.customer_base
    left join customer_orders
        on
            valid_customers.customer_base = customer_orders.customer_base
            and valid_customers.customer_id = customer_orders.customer_id
    left join memberships
        on
            valid_customers.customer_base = memberships.customer_base
            and valid_customers.customer_id = memberships.customer_id
),

-- Scores 1-5 by quintile among customers with orders: ceil(5 * k / n), where k counts the
-- customers at or below the value (peers included), in integer arithmetic. Equal values get
-- equal scores, so ties never split across scores. Recent, frequent, high-spending = 5.
-- The ranks are taken over the customers with orders only and over the three measures
-- alone, so the window sorts carry no other column and skip customers without orders.
ranks as (
    select
        customer_base,
        customer_id,
        count(*) over (partition by customer_base) as ranked_customer_count,
        count(*) over (partition by customer_base order by recency_days desc) as recency_rank,
        count(*) over (partition by customer_base order by order_count) as frequency_rank,
        count(*) over (partition by customer_base order by monetary_value_usd) as monetary_rank
    from joined
    where has_orders
),

ranked as (
    select
        joined.*,
        ranks.ranked_customer_count,
        ranks.recency_rank,
        ranks.frequency_rank,
        ranks.monetary_rank
    from joined
    left join ranks
        on
            joined.customer_base = ranks.customer_base
            and joined.customer_id = ranks.customer_id
),

scored as (
    select
        *,
        {{ quintile_score('recency_rank', 'ranked_customer_count') }} as recency_score,
        {{ quintile_score('frequency_rank', 'ranked_customer_count') }} as frequency_score,
        {{ quintile_score('monetary_rank', 'ranked_customer_count') }} as monetary_score
    from ranked
),

segmented as (
    select
        *,
        {{ rfm_segment('recency_score', 'frequency_score', 'monetary_score') }} as rfm_segment
    from scored
),

final as (
    select
        customer_base,
        customer_id,
        rfm_segment,
        loyalty_tier,
        recency_days,
        order_count,
        order_line_count,
        monetary_value_usd,
        recency_score,
        frequency_score,
        monetary_score,
        loyalty_tenure_days,
        has_orders,
        is_loyalty_member,
        first_order_date,
        last_order_date,
        loyalty_joined_date,
        reference_date
    from segmented
)

select * from final
