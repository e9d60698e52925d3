-- Every raw customer row of both bases, with the names of the validation rules it fails.
-- Rows failing no rule go on to the features; the others go to the rejected_rows mart.
{%- set missing_segment_feature_checks = [] -%}
{%- for base in customer_bases() -%}
    {%- for feature in segment_features(base) if feature in ['work_experience_years', 'family_size'] -%}
        {%- do missing_segment_feature_checks.append(
            "(customer_base = '" ~ base ~ "' and " ~ feature ~ " is null)"
        ) -%}
    {%- endfor -%}
{%- endfor %}

with

mall_customers as (
    select * from {{ ref('stg_mall__customers') }}
),

shop_customers as (
    select * from {{ ref('stg_shop__customers') }}
),

unioned as (
    select * from mall_customers
    union all by name
    select * from shop_customers
),

-- Only the ids that occur more than once, found per base (each model grouped on its own,
-- which DuckDB can spill to disk) and joined back: no window over every row, so the memory
-- this takes does not grow with the file. Read from the models, not from the CTEs above,
-- so that those are not materialised.
duplicate_ids as (
    {%- for model in ['stg_mall__customers', 'stg_shop__customers'] %}
        select
            customer_base,
            customer_id,
            count(*) as customer_id_count
        from {{ ref(model) }}
        where customer_id is not null
        group by customer_base, customer_id
        having count(*) > 1
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

id_counts as (
    select
        unioned.*,
        coalesce(duplicate_ids.customer_id_count, 1) as customer_id_count
    from unioned
    left join duplicate_ids
        on
            unioned.customer_base = duplicate_ids.customer_base
            and unioned.customer_id = duplicate_ids.customer_id
),

checked as (
    select
        *,
        concat_ws(
            ', ',
            case
                when
                    customer_id is null
                    or age_text is null
                    or annual_income_text is null
                    or spending_score_text is null
                    then 'missing_required_value'
            end,
            case
                when
                    (age_text is not null and age is null)
                    or (annual_income_text is not null and annual_income_usd is null)
                    or (spending_score_text is not null and spending_score is null)
                    or (work_experience_text is not null and work_experience_years is null)
                    or (family_size_text is not null and family_size is null)
                    then 'unparseable_value'
            end,
            case
                when
                    age < {{ var('min_customer_age') }}
                    or age > {{ var('max_customer_age') }}
                    then 'implausible_age'
            end,
            case when annual_income_usd <= 0 then 'non_positive_income' end,
            case
                when annual_income_usd > {{ var('max_annual_income_usd') }}
                    then 'implausible_income'
            end,
            case
                when
                    spending_score < {{ var('min_spending_score') }}
                    or spending_score > {{ var('max_spending_score') }}
                    then 'spending_score_out_of_range'
            end,
            case
                when
                    work_experience_years < 0
                    or work_experience_years > age - {{ var('min_working_age') }}
                    then 'work_experience_impossible_for_age'
            end,
            case
                when
                    family_size < 1
                    or family_size > {{ var('max_family_size') }}
                    then 'family_size_out_of_range'
            end,
            -- Work experience and family size are optional, unless a base is segmented on them.
            case
                when {{ missing_segment_feature_checks | join(' or ') or 'false' }}
                    then 'missing_segment_feature'
            end,
            case
                when customer_id is not null and customer_id_count > 1
                    then 'duplicate_customer_id'
            end
        ) as failed_rules
    from id_counts
),

final as (
    select
        source_name,
        source_row_number,
        customer_base,
        customer_id,
        gender,
        profession,
        failed_rules,
        -- The raw values are kept where they are needed, on rejected rows; a valid row's
        -- are its parsed columns (and the staging model has them all).
        case when failed_rules != '' then raw_record end as raw_record,
        age,
        annual_income_usd,
        spending_score,
        work_experience_years,
        family_size,
        is_profession_missing,
        failed_rules = '' as is_valid
    from checked
)

select * from final
