-- One row per customer base and segment: size, profile, behaviour, its name and what to do.
-- The description is written from the segment's profile against its base (segment_profiles),
-- so its words always agree with the numbers; the recommendations are the catalog's where the
-- segment is named after a catalog persona, and the rules of macros/segment_words.sql
-- otherwise. The value index and budget share are explained in the README; the segment's
-- stability under resampling comes with its model (int_segment_models_in_force).
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

attribute_profiles as (
    select
        customer_base,
        segment_id,
        attribute_name,
        attribute_kind,
        attribute_value,
        value_share,
        base_value_share,
        lift,
        mean_value,
        base_mean_value,
        standardised_mean,
        is_segment_feature
    from {{ ref('segment_profiles') }}
),

segment_stabilities as (
    select distinct
        customer_base,
        segment_id,
        segment_stability
    from {{ ref('int_segment_models_in_force') }}
),

category_mix as (
    select
        customer_base,
        segment_id,
        product_category,
        revenue_usd,
        revenue_share
    from {{ ref('segment_category_mix') }}
),

profiles as (
    select
        customer_base,
        segment_id,
        segment_key,
        persona_name,
        model_version,
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
    group by customer_base, segment_id, segment_key, persona_name, model_version
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

-- The category with the segment's highest revenue; ties to the first by name.
top_categories as (
    select
        customer_base,
        segment_id,
        product_category as top_product_category,
        revenue_share as top_product_category_share
    from category_mix
    qualify row_number() over (
        partition by customer_base, segment_id
        order by revenue_usd desc, product_category asc
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

-- The levels the rules read: standardised means of the attributes the segment has.
levels as (
    select
        customer_base,
        segment_id,
        max(mean_value) filter (where attribute_name = 'age') as mean_age,
        max(base_mean_value) filter (where attribute_name = 'age') as base_mean_age,
        max(standardised_mean) filter (where attribute_name = 'age') as age_z,
        max(standardised_mean) filter (where attribute_name = 'annual_income_usd') as income_z,
        coalesce(
            max(standardised_mean) filter (where attribute_name = 'spending_score'),
            max(standardised_mean) filter (where attribute_name = 'monetary_value_usd')
        ) as spend_z,
        max(standardised_mean) filter (where attribute_name = 'recency_days') as recency_z,
        max(standardised_mean) filter (where attribute_name = 'order_count') as frequency_z
    from attribute_profiles
    group by customer_base, segment_id
),

-- One phrase per feature the base is segmented on (age has its own phrase), and per
-- categorical feature its most lifted value when distinctive.
feature_phrases as (
    select
        customer_base,
        segment_id,
        attribute_name,
        abs(standardised_mean) as distinctiveness,
        {{ numeric_phrase('attribute_name', 'standardised_mean', 'mean_value', 'base_mean_value') }} as phrase
    from attribute_profiles
    where
        attribute_kind = 'numeric'
        and is_segment_feature
        and attribute_name != 'age'
        and standardised_mean is not null
    union all
    select
        customer_base,
        segment_id,
        attribute_name,
        log2(lift) as distinctiveness,
        {{ category_phrase('attribute_name', 'attribute_value', 'value_share', 'base_value_share') }} as phrase
    from attribute_profiles
    where
        attribute_kind = 'categorical'
        and is_segment_feature
        and lift >= {{ distinctive_lift() }}
        and value_share >= {{ min_category_share() }}
    qualify row_number() over (
        partition by customer_base, segment_id, attribute_name
        order by lift desc, value_share desc, attribute_value asc
    ) = 1
),

-- e.g. 'Middle-aged, older than the base (mean age 52 vs 39); high income ($87,000 vs
-- $60,560 in the base), very high spending score (82.1 vs 50.2 in the base).'
descriptions as (
    select
        levels.customer_base,
        levels.segment_id,
        coalesce(nullif(concat_ws(
            '; ',
            case
                when levels.mean_age is not null
                    then {{ age_phrase('levels.mean_age', 'levels.age_z', 'levels.base_mean_age') }}
            end,
            string_agg(
                feature_phrases.phrase, ', '
                order by feature_phrases.distinctiveness desc, feature_phrases.attribute_name asc
            )
        ), ''), 'Close to the base average on every feature') || '.' as segment_description
    from levels
    left join feature_phrases
        on
            levels.customer_base = feature_phrases.customer_base
            and levels.segment_id = feature_phrases.segment_id
    group by levels.customer_base, levels.segment_id, levels.mean_age, levels.age_z, levels.base_mean_age
),

-- Value index: revenue share / customer share where the base has orders; else the mean
-- spending score over the base's; else 1 (customer share alone).
values_measured as (
    select
        customer_base,
        segment_id,
        customer_count,
        customer_count / sum(customer_count) over (partition by customer_base) as customer_share,
        case
            when sum(revenue_usd) over (partition by customer_base) > 0
                then 'revenue share / customer share'
            when mean_spending_score is not null
                then 'mean spending score / base mean'
            else 'customer share'
        end as value_measure,
        case
            when sum(revenue_usd) over (partition by customer_base) > 0
                then
                    (coalesce(revenue_usd, 0) / sum(revenue_usd) over (partition by customer_base))
                    / (customer_count / sum(customer_count) over (partition by customer_base))
            when mean_spending_score is not null
                then
                    mean_spending_score
                    / (
                        sum(mean_spending_score * customer_count) over (partition by customer_base)
                        / sum(customer_count) over (partition by customer_base)
                    )
            else 1.0
        end as value_index
    from profiles
),

-- Budget share: half by customer share, half by value share (customer share x value index,
-- normalised in the base), so every segment is served and high-value segments get more.
budgets as (
    select
        customer_base,
        segment_id,
        value_measure,
        value_index,
        (
            customer_share
            + customer_share * value_index / sum(customer_share * value_index) over (partition by customer_base)
        ) / 2 as recommended_budget_share
    from values_measured
),

final as (
    select
        profiles.customer_base,
        profiles.segment_id,
        profiles.segment_key,
        profiles.persona_name,
        descriptions.segment_description as persona_description,
        case
            when profiles.customer_base not in ({{ sql_quoted_list(bases_with('orders')) }})
                then 'no order history'
        end as order_history_note,
        coalesce(personas.marketing_channel, {{ rule_marketing_channel('levels.mean_age') }}) as marketing_channel,
        coalesce(
            personas.product_strategy,
            {{ rule_product_strategy('levels.income_z', 'levels.spend_z', 'budgets.value_index') }}
        ) as product_strategy,
        coalesce(
            personas.engagement_action,
            {{ rule_engagement_action(
                'levels.recency_z', 'levels.frequency_z', 'levels.spend_z', 'budgets.value_index'
            ) }}
        ) as engagement_action,
        {{ resource_allocation('budgets.value_index', 'budgets.recommended_budget_share', 'budgets.value_measure') }}
            as resource_allocation,
        budgets.value_measure,
        top_professions.top_profession,
        top_categories.top_product_category,
        rfm_mixes.rfm_segment_mix,
        profiles.model_version,
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
        profiles.outlier_count,
        round(budgets.value_index, 6) as value_index,
        round(budgets.recommended_budget_share, 9) as recommended_budget_share,
        segment_stabilities.segment_stability,
        personas.persona_name is not null as is_catalog_persona
    from profiles
    left join personas
        on profiles.persona_name = personas.persona_name
    left join levels
        on
            profiles.customer_base = levels.customer_base
            and profiles.segment_id = levels.segment_id
    left join descriptions
        on
            profiles.customer_base = descriptions.customer_base
            and profiles.segment_id = descriptions.segment_id
    inner join budgets
        on
            profiles.customer_base = budgets.customer_base
            and profiles.segment_id = budgets.segment_id
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
    left join segment_stabilities
        on
            profiles.customer_base = segment_stabilities.customer_base
            and profiles.segment_id = segment_stabilities.segment_id
)

select * from final
