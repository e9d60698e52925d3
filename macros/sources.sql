{% macro customer_source(seed_name) %}
    {#- The raw table behind a staging model: the seed of that name, or the user's file
        when var('<seed_name>_path') is set (CSV or Parquet, a path or a glob). -#}
    {%- set path = var(seed_name ~ '_path', none) -%}
    {%- if path -%}
        {{ read_raw_file(path) }}
    {%- else -%}
        {{ ref(seed_name) }}
    {%- endif -%}
{% endmacro %}


{% macro read_raw_file(path) %}
    {#- Reads a user's file the way seeds are loaded: every column as text, so that a value
        that does not parse becomes a rejected row with a reason instead of a failed load. -#}
    {%- set checked = validate_file_path(path) -%}
    {%- if checked.lower().endswith('.parquet') -%}
        read_parquet('{{ checked }}')
    {%- else -%}
        read_csv('{{ checked }}', header = true, all_varchar = true, auto_detect = true)
    {%- endif -%}
{% endmacro %}


{% macro validate_file_path(path) %}
    {#- A path given through a var reaches SQL only when it is plain text without quotes. -#}
    {%- if path is not string or path | length == 0 -%}
        {{ exceptions.raise_compiler_error("File path vars must be non-empty strings, got: " ~ path) }}
    {%- endif -%}
    {%- if "'" in path or '"' in path or ';' in path or '\n' in path -%}
        {{ exceptions.raise_compiler_error(
            "File path '" ~ path ~ "' may not contain quotes, semicolons or line breaks."
        ) }}
    {%- endif -%}
    {{- return(path) -}}
{% endmacro %}
