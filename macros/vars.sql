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


{% macro described_value(value) %}
    {#- A var's value as a refusal message shows it: text is named as text, so that `'5'`
        (a number written in quotes) reads "the text '5' (write numbers without quotes)". -#}
    {%- if value is string -%}
        {{ return("the text '" ~ value ~ "'" ~ (" (write numbers without quotes)" if modules.re.fullmatch('[-+]?[0-9.]+([eE][-+]?[0-9]+)?', value | trim) else "")) }}
    {%- endif -%}
    {{ return(value | string) }}
{% endmacro %}


{% macro cutoff_date() %}
    {#- The day after which an order or a loyalty membership is in the future, as a SQL date:
        var orders_cutoff_date, or the run's date (UTC) when it is unset. -#}
    {{ return(sql_date_var('orders_cutoff_date', "date '" ~ run_started_at.strftime('%Y-%m-%d') ~ "'")) }}
{% endmacro %}


{% macro sql_date_var(var_name, default_sql) %}
    {#- A date var (YYYY-MM-DD, or a date YAML already parsed) as a SQL date literal, or
        default_sql when the var is null. A date that does not exist is refused. -#}
    {%- set value = var(var_name, none) -%}
    {%- if value is none or value == '' -%}
        {{ return(default_sql) }}
    {%- endif -%}
    {%- set text = value.strftime('%Y-%m-%d') if value.strftime is defined else value -%}
    {%- if text is not string or not modules.re.fullmatch("[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])", text) -%}
        {{ exceptions.raise_compiler_error("Var '" ~ var_name ~ "' must be a date as YYYY-MM-DD, got: " ~ value) }}
    {%- endif -%}
    {%- if execute and run_query("select try_cast('" ~ text ~ "' as date) is null").columns[0].values()[0] -%}
        {{ exceptions.raise_compiler_error("Var '" ~ var_name ~ "' is not a calendar date: " ~ text) }}
    {%- endif -%}
    {{ return("date '" ~ text ~ "'") }}
{% endmacro %}
