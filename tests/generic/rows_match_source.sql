{% test rows_match_source(model, kind) %}
    {#- A staging model keeps every raw row: per base, its row count equals that of the base's
        raw table of this kind (`customers`, `orders` or `loyalty_members`). -#}
with

model_rows as (
    select
        customer_base,
        count(*) as row_count
    from {{ model }}
    group by customer_base
),

source_rows as (
    {%- set registry = customer_base_registry() %}
    {%- for base in (customer_bases() if kind == 'customers' else bases_with(kind)) %}
    select
        '{{ base }}' as customer_base,
        count(*) as row_count
    from {{ raw_relation(registry[base] if kind == 'customers' else registry[base][kind]) }}
    union all
    {%- endfor %}
    select
        null::varchar as customer_base,
        0 as row_count
    where false
)

select
    coalesce(model_rows.customer_base, source_rows.customer_base) as customer_base,
    model_rows.row_count as model_row_count,
    source_rows.row_count as source_row_count
from model_rows
full outer join source_rows
    on model_rows.customer_base = source_rows.customer_base
where model_rows.row_count is distinct from source_rows.row_count
{% endtest %}
