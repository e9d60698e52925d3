{% test rows_match_source(model, kind) %}
    {#- A staging model keeps every raw row: per base and file, its row count equals the
        number of records in that file. For a CSV file the records are counted independently
        of DuckDB's reader (file_record_counts: the file read line by line, quotes followed), so a
        row the reader skipped, merged or split fails the test, naming the file; seeds and
        Parquet files are counted through their reader. The failure is stored, one sentence
        per file in `message`, which the main job prints with the first line that leaves
        standard quoting (pipeline/records.py). -#}
{{ config(store_failures = true) }}
with

model_rows as (
    select
        customer_base,
        source_file,
        count(*) as row_count
    from {{ model }}
    group by customer_base, source_file
),

source_rows as (
    {%- set registry = customer_base_registry() %}
    {%- for base in (customer_bases() if kind == 'customers' else bases_with(kind)) %}
    {%- set location = registry[base] if kind == 'customers' else registry[base][kind] %}
    select
        '{{ base }}' as customer_base,
        {%- if is_csv_file(location) %}
        source_file,
        '{{ csv_delimiter(location) or "," }}' as delimiter,
        sum(record_count) as row_count
    from ({{ file_record_counts(location) }}) as records
        {%- else %}
        {{ "source_file" if location.path else "'" ~ location.seed ~ "'" }} as source_file,
        null::varchar as delimiter,
        count(*) as row_count
    from {{ raw_relation(location) }}
        {%- endif %}
    group by all
    union all
    {%- endfor %}
    select
        null::varchar as customer_base,
        null::varchar as source_file,
        null::varchar as delimiter,
        0 as row_count
    where false
)

select
    coalesce(model_rows.customer_base, source_rows.customer_base) as customer_base,
    coalesce(model_rows.source_file, source_rows.source_file) as source_file,
    model_rows.row_count as rows_read,
    source_rows.row_count as records_in_file,
    source_rows.delimiter,
    'The {{ kind | replace("_", " ") }} file ' || coalesce(model_rows.source_file, source_rows.source_file)
    || ' of base ' || coalesce(model_rows.customer_base, source_rows.customer_base)
    || ' was read as ' || coalesce(model_rows.row_count, 0) || ' rows, but it has '
    || coalesce(source_rows.row_count, 0) || ' records counted line by line: the reader skipped, '
    || 'split or merged rows. Check its quoting (a " inside an unquoted value opens a quote) '
    || 'and line ends.' as message
from model_rows
full outer join source_rows
    on
        model_rows.customer_base = source_rows.customer_base
        and model_rows.source_file = source_rows.source_file
where model_rows.row_count is distinct from source_rows.row_count
{% endtest %}
