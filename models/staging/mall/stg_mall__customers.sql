{# Reads the mall_customers seed, or the file named by var('mall_customers_path'):
   the Kaggle "Mall Customer Segmentation Data" format. #}
with

source as (
    {{ numbered_source_rows('mall_customers') }}
),

-- The original file calls the gender column "Genre"; a widespread copy calls it "Gender".
-- Matching by name against an empty template makes whichever is absent a null column.
header_template as (
    select
        null::varchar as genre,
        null::varchar as gender
    where false
),

header_aligned as (
    select * from header_template
    union all by name
    select * from source
),

renamed as (
    select
        source_row_number,
        'mall' as customer_base,
        'mall_customers' as source_name,
        {{ clean_text('"CustomerID"') }} as customer_id,
        {{ normalise_gender('coalesce("Genre", "Gender")') }} as gender,
        'Unknown' as profession,
        {{ clean_text('"Age"') }} as age_text,
        {{ clean_text('"Annual Income (k$)"') }} as annual_income_text,
        {{ clean_text('"Spending Score (1-100)"') }} as spending_score_text,
        null::varchar as work_experience_text,
        null::varchar as family_size_text,
        raw_record,
        {{ parse_number('"Age"') }} as age,
        {{ parse_number('"Annual Income (k$)"') }} * 1000 as annual_income_usd,
        {{ parse_number('"Spending Score (1-100)"') }} as spending_score,
        null::double as work_experience_years,
        null::double as family_size,
        true as is_profession_missing
    from header_aligned
)

select * from renamed
