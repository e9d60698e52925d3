{# Reads the loyalty programme file of every base whose registry entry has `loyalty_members`
   (a seed or a file): one row per raw membership row; validated in
   int_loyalty_members_validated. #}
{{ config(meta={'files': registry_locations('loyalty_members')}) }}
with

staged as (
    {{ staged_union('loyalty_members') }}
),

renamed as (
    select
        source_row_number,
        source_name,
        source_file,
        customer_base,
        customer_id,
        tier as loyalty_tier,
        joined_date as joined_date_text,
        raw_record,
        is_ragged_row,
        {{ parse_date('joined_date') }} as joined_date
    from staged
)

select * from renamed
