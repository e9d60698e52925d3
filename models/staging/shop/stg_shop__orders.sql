{# Reads the orders seed, or the file named by var('orders_path'): one row per order line
   of the shop customers. #}
with

source as (
    {{ numbered_source_rows('orders') }}
),

renamed as (
    select
        source_row_number,
        'orders' as source_name,
        'shop' as customer_base,
        {{ clean_text('order_id') }} as order_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('product_category') }} as product_category,
        lower({{ clean_text('channel') }}) as channel,
        {{ clean_text('line_number') }} as line_number_text,
        {{ clean_text('order_date') }} as order_date_text,
        {{ clean_text('amount_usd') }} as amount_text,
        raw_record,
        try_cast({{ clean_text('line_number') }} as integer) as line_number,
        {{ parse_number('amount_usd') }} as amount_usd,
        {{ parse_date('order_date') }} as order_date
    from source
)

select * from renamed
