{% macro sql_string_list(var_name) %}
    {#- A list var as a SQL list of string literals; each value is checked before it reaches SQL. -#}
    {%- set values = var(var_name) -%}
    {%- if values is string or values is not iterable or values | length == 0 -%}
        {{ exceptions.raise_compiler_error("Var '" ~ var_name ~ "' must be a non-empty list, got: " ~ values) }}
    {%- endif -%}
    {%- for value in values -%}
        {%- if value is not string or not modules.re.fullmatch("[A-Za-z0-9 _&/+-]+", value) -%}
            {{ exceptions.raise_compiler_error(
                "Var '" ~ var_name ~ "' holds '" ~ value ~ "': values may use letters, digits, spaces and _&/+- only."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    ({%- for value in values -%}'{{ value }}'{{ ", " if not loop.last }}{%- endfor -%})
{% endmacro %}


{% macro sql_date_var(var_name, default_sql) %}
    {#- A date var (YYYY-MM-DD) as a SQL date literal, or default_sql when the var is null. -#}
    {%- set value = var(var_name, none) -%}
    {%- if value is none or value == '' -%}
        {{ default_sql }}
    {%- elif value is string and modules.re.fullmatch("[0-9]{4}-[0-9]{2}-[0-9]{2}", value) -%}
        date '{{ value }}'
    {%- else -%}
        {{ exceptions.raise_compiler_error("Var '" ~ var_name ~ "' must be a date as YYYY-MM-DD, got: " ~ value) }}
    {%- endif -%}
{% endmacro %}
