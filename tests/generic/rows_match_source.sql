{% test rows_match_source(model, source_seed) %}
    {#- A staging model keeps every raw row: its row count equals the raw table's. -#}
with

model_rows as (
    select count(*) as row_count from {{ model }}
),

source_rows as (
    select count(*) as row_count from {{ customer_source(source_seed) }}
)

select
    model_rows.row_count as model_row_count,
    source_rows.row_count as source_row_count
from model_rows
cross join source_rows
where model_rows.row_count != source_rows.row_count
{% endtest %}
