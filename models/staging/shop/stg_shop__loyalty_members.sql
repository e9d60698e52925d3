{# Reads the loyalty_members seed, or the file named by var('loyalty_members_path'): one row
   per loyalty programme membership of a shop customer. #}
with

source as (
    {{ numbered_source_rows('loyalty_members') }}
),

renamed as (
    select
        source_row_number,
        'loyalty_members' as source_name,
        'shop' as customer_base,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('tier') }} as loyalty_tier,
        {{ clean_text('joined_date') }} as joined_date_text,
        raw_record,
        {{ parse_date('joined_date') }} as joined_date
    from source
)

select * from renamed
