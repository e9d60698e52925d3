-- One row per customer base and segment: size, profile, behaviour, persona and what to do.
with

segmented_customers as (
    select * from {{ ref('customer_segments') }}
),

personas as (
    select
        persona_name,
        description,
        marketing_channel,
        product_strategy,
        engagement_action
    from {{ ref('stg_reference__personas') }}
),

order_lines as (
    select
        customer_base,
        customer_id,
        product_category,
        amount_usd
    from {{ ref('int_orders_validated') }}
    where is_valid
),

profiles as (
    select
        customer_base,
        segment_id,
        segment_key,
        persona_name,
        count(*) as customer_count,
        avg(age) as mean_age,
        avg(annual_income_usd) as mean_annual_income_usd,
        avg(spending_score) as mean_spending_score,
        avg(family_size) as mean_family_size,
        avg(case when gender = 'female' then 1.0 else 0.0 end) as female_share,
        avg(case when gender = 'male' then 1.0 else 0.0 end) as male_share,
        avg(recency_days) as mean_recency_days,
        avg(order_count) as mean_order_count,
        avg(monetary_value_usd) as mean_monetary_value_usd,
        round(sum(monetary_value_usd), 2) as revenue_usd,
        avg(case when is_loyalty_member then 1.0 else 0.0 end) filter (
            where is_loyalty_member is not null
        ) as loyalty_rate,
        count(*) filter (where is_outlier) as outlier_count
    from segmented_customers
    group by customer_base, segment_id, segment_key, persona_name
),

-- Exact medians from value counts: median() would hold every customer's values in memory.
medians as (
    {{ exact_medians(
        'segmented_customers',
        ['customer_base', 'segment_id'],
        ['age', 'annual_income_usd', 'spending_score'],
    ) }}
),

-- Most common known profession; ties to the first by name. Null where no profession is known.
top_professions as (
    select
        customer_base,
        segment_id,
        profession as top_profession
    from segmented_customers
    where profession != 'Unknown'
    group by customer_base, segment_id, profession
    qualify row_number() over (
        partition by customer_base, segment_id
        order by count(*) desc, profession
    ) = 1
),

category_revenue as (
    select
        segmented_customers.customer_base,
        segmented_customers.segment_id,
        order_lines.product_category,
        round(sum(order_lines.amount_usd), 2) as category_revenue_usd
    from segmented_customers
    inner join order_lines
        on
            segmented_customers.customer_base = order_lines.customer_base
            and segmented_customers.customer_id = order_lines.customer_id
    group by segmented_customers.customer_base, segmented_customers.segment_id, order_lines.product_category
),

top_categories as (
    select
        customer_base,
        segment_id,
        product_category as top_product_category,
        category_revenue_usd / sum(category_revenue_usd) over (
            partition by customer_base, segment_id
        ) as top_product_category_share
    from category_revenue
    qualify row_number() over (
        partition by customer_base, segment_id
        order by category_revenue_usd desc, product_category asc
    ) = 1
),

rfm_counts as (
    select
        customer_base,
        segment_id,
        rfm_segment,
        count(*) as rfm_customer_count
    from segmented_customers
    where rfm_segment is not null
    group by customer_base, segment_id, rfm_segment
),

rfm_shares as (
    select
        *,
        sum(rfm_customer_count) over (partition by customer_base, segment_id) as segment_total
    from rfm_counts
),

-- e.g. 'Champions 31%, Loyal Customers 22%, ...', largest first.
rfm_mixes as (
    select
        customer_base,
        segment_id,
        string_agg(
            rfm_segment || ' ' || round(100.0 * rfm_customer_count / segment_total)::integer || '%',
            ', '
            order by rfm_customer_count desc, rfm_segment asc
        ) as rfm_segment_mix
    from rfm_shares
    group by customer_base, segment_id
),

final as (
    select
        profiles.customer_base,
        profiles.segment_id,
        profiles.segment_key,
        profiles.persona_name,
        personas.description as persona_description,
        case
            when profiles.customer_base not in ({{ sql_quoted_list(bases_with('orders')) }})
                then 'no order history'
        end as order_history_note,
        personas.marketing_channel,
        personas.product_strategy,
        personas.engagement_action,
        top_professions.top_profession,
        top_categories.top_product_category,
        rfm_mixes.rfm_segment_mix,
        profiles.customer_count,
        round(
            profiles.customer_count / sum(profiles.customer_count) over (partition by profiles.customer_base), 9
        ) as customer_share,
        round(profiles.mean_age, 6) as mean_age,
        medians.median_age,
        round(profiles.mean_annual_income_usd, 6) as mean_annual_income_usd,
        medians.median_annual_income_usd,
        round(profiles.mean_spending_score, 6) as mean_spending_score,
        medians.median_spending_score,
        round(profiles.mean_family_size, 6) as mean_family_size,
        round(profiles.female_share, 6) as female_share,
        round(profiles.male_share, 6) as male_share,
        round(profiles.loyalty_rate, 6) as loyalty_rate,
        round(top_categories.top_product_category_share, 6) as top_product_category_share,
        round(profiles.mean_recency_days, 6) as mean_recency_days,
        round(profiles.mean_order_count, 6) as mean_order_count,
        round(profiles.mean_monetary_value_usd, 2) as mean_monetary_value_usd,
        round(profiles.revenue_usd, 2) as revenue_usd,
        round(
            profiles.revenue_usd / nullif(sum(profiles.revenue_usd) over (partition by profiles.customer_base), 0),
            9
        ) as revenue_share,
        profiles.outlier_count
    from profiles
    left join personas
        on profiles.persona_name = personas.persona_name
    left join medians
        on
            profiles.customer_base = medians.customer_base
            and profiles.segment_id = medians.segment_id
    left join top_professions
        on
            profiles.customer_base = top_professions.customer_base
            and profiles.segment_id = top_professions.segment_id
    left join top_categories
        on
            profiles.customer_base = top_categories.customer_base
            and profiles.segment_id = top_categories.segment_id
    left join rfm_mixes
        on
            profiles.customer_base = rfm_mixes.customer_base
            and profiles.segment_id = rfm_mixes.segment_id
)

select * from final
