-- One row per valid customer: the validated values, analyst bands and ratios, and a
-- z-score per candidate feature, standardised within the customer's base.
with

valid_customers as (
    select * from {{ ref('int_customers_validated') }}
    where is_valid
),

feature_statistics as (
    select * from {{ ref('int_feature_statistics') }}
),

statistics_by_base as (
    select
        customer_base,
    {%- for feature in candidate_features() %}
        max(feature_mean) filter (where feature_name = '{{ feature }}') as {{ feature }}__mean,
        max(feature_stddev) filter (where feature_name = '{{ feature }}')
            as {{ feature }}__stddev{{ "," if not loop.last }}
    {%- endfor %}
    from feature_statistics
    group by customer_base
),

featurized as (
    select
        valid_customers.customer_base,
        valid_customers.customer_id,
        valid_customers.gender,
        valid_customers.profession,
        case
            when valid_customers.age < 25 then '18-24'
            when valid_customers.age < 35 then '25-34'
            when valid_customers.age < 45 then '35-44'
            when valid_customers.age < 55 then '45-54'
            when valid_customers.age < 65 then '55-64'
            else '65+'
        end as age_band,
        case
            when valid_customers.annual_income_usd < 40000 then 'under 40k'
            when valid_customers.annual_income_usd < 80000 then '40k-80k'
            when valid_customers.annual_income_usd < 120000 then '80k-120k'
            when valid_customers.annual_income_usd < 160000 then '120k-160k'
            else '160k and over'
        end as income_band,
        case
            when valid_customers.spending_score <= 33 then 'low'
            when valid_customers.spending_score <= 66 then 'medium'
            else 'high'
        end as spending_band,
        {%- for feature in candidate_features() %}
            valid_customers.{{ feature }},
        {%- endfor %}
        valid_customers.annual_income_usd / valid_customers.family_size as income_per_family_member_usd,
        {%- for feature in candidate_features() %}
        {{ zscore(
            'valid_customers.' ~ feature,
            'statistics_by_base.' ~ feature ~ '__mean',
            'statistics_by_base.' ~ feature ~ '__stddev'
        ) }} as {{ feature }}_z,
        {%- endfor %}
        valid_customers.is_profession_missing
    from valid_customers
    left join statistics_by_base
        on valid_customers.customer_base = statistics_by_base.customer_base
)

select * from featurized
