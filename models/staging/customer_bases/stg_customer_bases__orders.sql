{# Reads the order history of every base whose registry entry has `orders` (a seed or a file):
   one row per raw order line. Nothing is filtered here: validation happens in
   int_orders_validated. #}
{{ config(meta={'files': registry_locations('orders')}) }}
with

staged as (
    {{ staged_union('orders') }}
),

renamed as (
    select
        source_row_number,
        source_name,
        source_file,
        customer_base,
        order_id,
        customer_id,
        product_category,
        lower(channel) as channel,
        line_number as line_number_text,
        order_date as order_date_text,
        amount_usd as amount_text,
        raw_record,
        is_ragged_row,
        {{ parse_number('line_number', 'integer') }} as line_number,
        {{ parse_number('amount_usd') }} as amount_usd,
        {{ parse_date('order_date') }} as order_date
    from staged
)

select * from renamed
