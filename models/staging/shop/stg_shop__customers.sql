{# Reads the shop_customers seed, or the file named by var('shop_customers_path'):
   the Kaggle "Customers Dataset" format (income in dollars). #}
with

source as (
    {{ numbered_source_rows('shop_customers') }}
),

renamed as (
    select
        source_row_number,
        'shop' as customer_base,
        'shop_customers' as source_name,
        {{ clean_text('"CustomerID"') }} as customer_id,
        {{ normalise_gender('"Gender"') }} as gender,
        -- A missing profession is labelled, not rejected.
        coalesce({{ clean_text('"Profession"') }}, 'Unknown') as profession,
        {{ clean_text('"Age"') }} as age_text,
        {{ clean_text('"Annual Income ($)"') }} as annual_income_text,
        {{ clean_text('"Spending Score (1-100)"') }} as spending_score_text,
        {{ clean_text('"Work Experience"') }} as work_experience_text,
        {{ clean_text('"Family Size"') }} as family_size_text,
        raw_record,
        {{ parse_number('"Age"') }} as age,
        {{ parse_number('"Annual Income ($)"') }} as annual_income_usd,
        {{ parse_number('"Spending Score (1-100)"') }} as spending_score,
        {{ parse_number('"Work Experience"') }} as work_experience_years,
        {{ parse_number('"Family Size"') }} as family_size,
        {{ clean_text('"Profession"') }} is null as is_profession_missing
    from source
)

select * from renamed
