-- One row per valid customer of each base: validated demographics, the base's own columns,
-- behaviour from the order history where the base has one, and the bands and ratios an
-- analyst wants (null where the base does not map the column they come from).
with

valid_customers as (
    select
        customer_base,
        customer_id,
        gender,
        profession,
        {%- for column in extra_columns() %}
        {{ column }},
        {%- endfor %}
        age,
        annual_income_usd,
        spending_score,
        work_experience_years,
        family_size,
        is_profession_missing
    from {{ ref('int_customers_validated') }}
    where is_valid
),

behaviour as (
    select
        customer_base,
        customer_id,
        rfm_segment,
        recency_days,
        order_count,
        monetary_value_usd,
        is_loyalty_member
    from {{ ref('int_customers_rfm_scored') }}
),

preferences as (
    select
        customer_base,
        customer_id,
        favourite_category,
        preferred_channel
    from {{ ref('int_customers_purchase_preferences') }}
),

enriched as (
    select
        valid_customers.customer_base,
        valid_customers.customer_id,
        valid_customers.gender,
        valid_customers.profession,
        case
            when valid_customers.age is null then null
            when valid_customers.age < 25 then '18-24'
            when valid_customers.age < 35 then '25-34'
            when valid_customers.age < 45 then '35-44'
            when valid_customers.age < 55 then '45-54'
            when valid_customers.age < 65 then '55-64'
            else '65+'
        end as age_band,
        case
            when valid_customers.annual_income_usd is null then null
            when valid_customers.annual_income_usd < 40000 then 'under 40k'
            when valid_customers.annual_income_usd < 80000 then '40k-80k'
            when valid_customers.annual_income_usd < 120000 then '80k-120k'
            when valid_customers.annual_income_usd < 160000 then '120k-160k'
            else '160k and over'
        end as income_band,
        case
            when valid_customers.spending_score is null then null
            when valid_customers.spending_score <= 33 then 'low'
            when valid_customers.spending_score <= 66 then 'medium'
            else 'high'
        end as spending_band,
        {%- for column in extra_columns() %}
        valid_customers.{{ column }},
        {%- endfor %}
        behaviour.rfm_segment,
        preferences.favourite_category,
        preferences.preferred_channel,
        valid_customers.age,
        valid_customers.annual_income_usd,
        valid_customers.spending_score,
        valid_customers.work_experience_years,
        valid_customers.family_size,
        behaviour.recency_days,
        behaviour.order_count,
        behaviour.monetary_value_usd,
        valid_customers.annual_income_usd / valid_customers.family_size as income_per_family_member_usd,
        valid_customers.is_profession_missing,
        behaviour.is_loyalty_member
    from valid_customers
    left join behaviour
        on
            valid_customers.customer_base = behaviour.customer_base
            and valid_customers.customer_id = behaviour.customer_id
    left join preferences
        on
            valid_customers.customer_base = preferences.customer_base
            and valid_customers.customer_id = preferences.customer_id
)

select * from enriched
