{% test rows_conserved(model, source_name, raw_model, passing_model, passing_filter="true", passing_count="count(*)") %}
{#- No row is lost: for one source, raw rows = rows passed on + rows in this rejected model.
    Each count comes from a different model, so a row dropped anywhere breaks the equation.
    passing_count counts the rows passed on where one passing row stands for several raw
    rows (e.g. the order lines summed into a customer's features). -#}
with

raw_rows as (
    select count(*) as row_count from {{ raw_model }}
),

passing_rows as (
    select coalesce({{ passing_count }}, 0) as row_count from {{ passing_model }}
    where {{ passing_filter }}
),

rejected_rows as (
    select count(*) as row_count from {{ model }}
    where source_name = '{{ source_name }}'
)

select
    '{{ source_name }}' as source_name,
    raw_rows.row_count as raw_row_count,
    passing_rows.row_count as passing_row_count,
    rejected_rows.row_count as rejected_row_count
from raw_rows
cross join passing_rows
cross join rejected_rows
where raw_rows.row_count != passing_rows.row_count + rejected_rows.row_count
{% endtest %}
