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
        that does not parse becomes a rejected row with a reason instead of a failed load.
        The delimiter is detected (comma, semicolon, ...); strict_mode off accepts files that
        mix CRLF and LF line endings. -#}
    {%- set checked = validate_file_path(path) -%}
    {%- if checked.lower().endswith('.parquet') -%}
        read_parquet('{{ checked }}')
    {%- else -%}
        read_csv('{{ checked }}', header = true, all_varchar = true, auto_detect = true, strict_mode = false)
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


{% macro source_columns() %}
    {#- The header each raw source must have (the public files' headers). A list inside the
        list is a choice: the Mall file's gender column is `Genre` or `Gender`. -#}
    {{ return({
        'mall_customers': ['CustomerID', ['Genre', 'Gender'], 'Age', 'Annual Income (k$)', 'Spending Score (1-100)'],
        'shop_customers': [
            'CustomerID', 'Gender', 'Age', 'Annual Income ($)', 'Spending Score (1-100)',
            'Profession', 'Work Experience', 'Family Size',
        ],
        'orders': ['order_id', 'line_number', 'customer_id', 'order_date', 'product_category', 'amount_usd', 'channel'],
        'loyalty_members': ['customer_id', 'joined_date', 'tier'],
    }) }}
{% endmacro %}


{% macro check_source_file(seed_name, path) %}
    {#- Refuses a user's file that cannot be read as the source: no file matches, the file is
        empty, it has a header but no rows, or a required column is missing. The message names
        the var, the file, the column and the problem. -#}
    {%- set label = "File '" ~ path ~ "' (var " ~ seed_name ~ "_path)" -%}
    {%- set checked = validate_file_path(path) -%}
    {%- set match_count = run_query("select count(*) from glob('" ~ checked ~ "')").columns[0].values()[0] -%}
    {%- if match_count == 0 -%}
        {{ exceptions.raise_compiler_error(label ~ ": no file matches this path.") }}
    {%- endif -%}
    {%- set byte_count = run_query(
        "select coalesce(sum(size), 0) from read_blob('" ~ checked ~ "')"
    ).columns[0].values()[0] -%}
    {%- if byte_count == 0 -%}
        {{ exceptions.raise_compiler_error(label ~ ": the file is empty (0 bytes); expected a header and rows.") }}
    {%- endif -%}
    {%- set relation = read_raw_file(checked) -%}
    {%- set found = run_query("describe select * from " ~ relation).columns[0].values() | list -%}
    {%- set found_lower = found | map('lower') | list -%}
    {%- for expected in source_columns()[seed_name] -%}
        {%- set choices = expected if expected is not string else [expected] -%}
        {%- set present = [] -%}
        {%- for choice in choices if choice | lower in found_lower -%}
            {%- do present.append(choice) -%}
        {%- endfor -%}
        {%- if present | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                label ~ ": column '" ~ choices | join("' or '") ~ "' is missing. Found columns: "
                ~ found | join(', ') ~ ". Expected: " ~ source_columns()[seed_name] | join(', ')
                ~ " (the header of seeds/" ~ seed_name ~ ".csv)."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set first_rows = run_query("select count(*) from (select 1 from " ~ relation ~ " limit 1)") -%}
    {%- if first_rows.columns[0].values()[0] == 0 -%}
        {{ exceptions.raise_compiler_error(label ~ ": the file has a header but no rows.") }}
    {%- endif -%}
{% endmacro %}


{% macro numbered_source_rows(seed_name) -%}
    {#- Every raw row of a source with its 1-based position in read order and its raw values
        as JSON text; the original columns follow. -#}
    select
        row_number() over () as source_row_number,
        to_json(raw_row)::varchar as raw_record,
        raw_row.*
    from {{ customer_source(seed_name) }} as raw_row
{%- endmacro %}
