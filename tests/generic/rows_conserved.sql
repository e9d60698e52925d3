{% test rows_conserved(model, raw_model, passing_model, group_by="customer_base", passing_filter="true", passing_count="count(*)") %}
{#- No row is lost: per group (a base by default, or e.g. `source_file`), raw rows = rows
    passed on + rows in this rejected model. Each count comes from a different model, so a row
    dropped anywhere breaks the equation. The rejected rows counted are those of the raw
    model's sources. passing_count counts the rows passed on where one passing row stands for
    several raw rows (e.g. the order lines summed into a customer's features). -#}
with

raw_rows as (
    select
        {{ group_by }} as group_key,
        count(*) as row_count
    from {{ raw_model }}
    group by all
),

passing_rows as (
    select
        {{ group_by }} as group_key,
        coalesce({{ passing_count }}, 0) as row_count
    from {{ passing_model }}
    where {{ passing_filter }}
    group by all
),

rejected_rows as (
    select
        {{ group_by }} as group_key,
        count(*) as row_count
    from {{ model }}
    where source_name in (select distinct source_name from {{ raw_model }})
    group by all
),

compared as (
    select
        coalesce(raw_rows.group_key, passing_rows.group_key, rejected_rows.group_key) as group_key,
        coalesce(raw_rows.row_count, 0) as raw_row_count,
        coalesce(passing_rows.row_count, 0) as passing_row_count,
        coalesce(rejected_rows.row_count, 0) as rejected_row_count
    from raw_rows
    full outer join passing_rows
        on raw_rows.group_key = passing_rows.group_key
    full outer join rejected_rows
        on coalesce(raw_rows.group_key, passing_rows.group_key) = rejected_rows.group_key
)

select * from compared
where raw_row_count != passing_row_count + rejected_row_count
{% endtest %}
