{% macro clean_text(column) -%}
    nullif(trim(cast({{ column }} as varchar)), '')
{%- endmacro %}


{% macro parse_number(column, type='double') -%}
    {#- DuckDB's cast reads `1_000` as 1000; a number written with `_` is not one here. -#}
    try_cast(case when not contains({{ clean_text(column) }}, '_') then {{ clean_text(column) }} end as {{ type }})
{%- endmacro %}


{% macro normalise_gender(column) -%}
    case
        when lower({{ clean_text(column) }}) in ('female', 'f', 'woman') then 'female'
        when lower({{ clean_text(column) }}) in ('male', 'm', 'man') then 'male'
        when {{ clean_text(column) }} is null then 'unknown'
        else 'other'
    end
{%- endmacro %}


{% macro parse_date(column) -%}
    try_cast({{ clean_text(column) }} as date)
{%- endmacro %}
