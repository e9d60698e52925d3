{% macro raw_relation(location) %}
    {#- The raw table behind one registry location: its seed, or its file read as text
        (CSV or Parquet, a path or a glob). -#}
    {%- if location.seed -%}
        {{ ref(location.seed) }}
    {%- else -%}
        {{ read_raw_file(location.path, csv_delimiter(location), location.encoding) }}
    {%- endif -%}
{% endmacro %}


{% macro is_csv_file(location) %}
    {#- True for a location read as CSV: a user's file or glob not ending in `.parquet`. -#}
    {{ return(location.path is not none and not location.path.lower().endswith('.parquet')) }}
{% endmacro %}


{% macro csv_delimiter(location) %}
    {#- The delimiter of a base's CSV file: the registry's `delimiter`, else the candidate
        (, ; tab |) found most often in the first file's header line (comma on a tie or when
        none is there). Decided here rather than by DuckDB's sniffer, which guesses from a
        sample of rows and can be misled by ragged ones. -#}
    {%- if location.delimiter or not execute or not is_csv_file(location) -%}
        {{ return(location.delimiter) }}
    {%- endif -%}
    {%- set header = run_query(
        "select line from " ~ read_file_lines(validate_file_path(location.path), location.encoding) ~ " limit 1"
    ).columns[0].values() -%}
    {%- set line = (header[0] or '') if header else '' -%}
    {%- set best = namespace(delimiter=',', count=0) -%}
    {%- for candidate in [',', ';', '\t', '|'] -%}
        {%- if line.count(candidate) > best.count -%}
            {%- set best.delimiter = candidate -%}
            {%- set best.count = line.count(candidate) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(best.delimiter) }}
{% endmacro %}


{% macro read_file_lines(path, encoding=none) -%}
    {#- A CSV file (or glob) as physical lines, one text column `line`, each file's name in
        `filename`: no quote, escape or comment character and a NUL delimiter, so nothing in
        a line can change what a line is. -#}
    read_csv(
        '{{ path }}',
        header = false,
        columns = {'line': 'varchar'},
        delim = chr(0),
        quote = '',
        escape = '',
        comment = '',
        auto_detect = false,
        strict_mode = false,
        parallel = false,
        filename = true
        {%- if encoding and encoding != 'utf-8' %}, encoding = '{{ encoding }}'{% endif %}
    )
{%- endmacro %}


{% macro file_lines(location, max_lines_per_file=none) -%}
    {#- A CSV file (or glob) as physical lines in read order, each with the state that
        file_records and file_record_counts read: whether it starts a record (a record
        continues onto the next line while an odd number of `"` is open: standard quoting,
        so a quoted newline does not end a record), continues one or leaves a quote open,
        the record's number in its file and among the rows of the whole glob
        (`source_row_number`, as staged_rows numbers them), the line number and the header's
        field count. Every step is a running total over the lines in read order (a streaming
        window: the memory it takes does not grow with the file). Empty lines start no
        record (the reader skips them too). Limits: a `"` inside an unquoted field (not
        standard quoting) is taken to open a quote; a header spanning lines is counted on its
        first line. With `max_lines_per_file`, only each file's first lines (a record cut at
        the last of them is counted on the lines kept); a path without wildcards then stops
        reading there. -#}
    {%- set delimiter = csv_delimiter(location) or ',' -%}
    {%- set delimiter_sql = "chr(9)" if delimiter == '\t' else "'" ~ delimiter ~ "'" -%}
    {%- set path = validate_file_path(location.path) -%}
    with

    all_lines as not materialized (
        select
            filename as source_file,
            coalesce(line, '') as line,
            row_number() over () as line_index,
            filename is distinct from lag(filename) over () as is_file_start,
            (strlen(coalesce(line, '')) - strlen(replace(coalesce(line, ''), '"', '')))::bigint as quote_count
        from {{ read_file_lines(path, location.encoding) }}
        {%- if max_lines_per_file and not ('*' in path or '?' in path or '[' in path) %}
        limit {{ max_lines_per_file }}
        {%- endif %}
    ),

    file_lines as not materialized (
        select * from all_lines
        {%- if max_lines_per_file %}
        qualify line_index - max(case when is_file_start then line_index end) over (
            rows between unbounded preceding and current row
        ) < {{ max_lines_per_file }}
        {%- endif %}
    ),

    quote_totals as not materialized (
        select
            *,
            (sum(quote_count) over (rows between unbounded preceding and current row))::bigint as quotes_through
        from file_lines
    ),

    -- Each file counts its quotes from its own first line.
    file_starts as not materialized (
        select
            *,
            max(case when is_file_start then quotes_through - quote_count end) over (
                rows between unbounded preceding and current row
            ) as quotes_before_file,
            max(case when is_file_start then line_index end) over (
                rows between unbounded preceding and current row
            ) as file_first_line_index
        from quote_totals
    ),

    -- A line continues a record when the lines before it left a quote open; a record starts
    -- at every other line that is not empty (a file's first line always starts one).
    line_states as not materialized (
        select
            *,
            (quotes_through - quote_count - quotes_before_file) % 2 = 1 as is_continuation,
            (quotes_through - quotes_before_file) % 2 = 1 as leaves_quote_open,
            -- (The CASE spares the costly trim to lines starting with a carriage return.)
            (quotes_through - quote_count - quotes_before_file) % 2 = 0
            and (
                is_file_start
                or case
                    when line = '' then false
                    when starts_with(line, chr(13)) then trim(line, chr(13)) != ''
                    else true
                end
            ) as starts_record
        from file_starts
    ),

    record_totals as not materialized (
        select
            *,
            -- Sums are HUGEINT in DuckDB; bigint keeps the arithmetic below cheap.
            (sum(starts_record::integer) over (
                rows between unbounded preceding and current row
            ))::bigint as record_index,
            (sum(is_file_start::integer) over (
                rows between unbounded preceding and current row
            ))::bigint as files_so_far
        from line_states
    ),

    numbered_lines as not materialized (
        select
            *,
            record_index - max(case when is_file_start then record_index end) over (
                rows between unbounded preceding and current row
            ) as record_number,
            record_index - files_so_far as source_row_number,
            line_index - file_first_line_index + 1 as line_number,
            -- The latest file start's field count: a running max of its line index and its
            -- count packed into one number (a max over a struct costs many times more).
            max(case when is_file_start then line_index * 16777216 + least({{ csv_field_count('line', delimiter_sql) }}, 16777215) end) over (
                rows between unbounded preceding and current row
            ) % 16777216 as header_field_count
        from record_totals
    )

    select * from numbered_lines
{%- endmacro %}


{% macro file_records(location, max_lines_per_file=none, only_ragged=false) -%}
    {#- An independent count of a CSV file's records, to check the reader against (see
        file_lines): one row per data record, with its file, its number in the file, its
        `source_row_number`, the line it starts on, its text, the number of fields
        (delimiters outside quotes, plus one) and the header's. Only the rare records
        spanning several lines are grouped. With `only_ragged`, only the records whose field
        count differs from their header's: the lines kept for them are few, so holding them
        costs little (DuckDB holds the lines a query reads twice). -#}
    {%- set delimiter = csv_delimiter(location) or ',' -%}
    {%- set delimiter_sql = "chr(9)" if delimiter == '\t' else "'" ~ delimiter ~ "'" -%}
    with

    numbered_lines as (
        {{ file_lines(location, max_lines_per_file) }}
    ),

    kept_lines as (
        select * from numbered_lines
        where
            record_number > 0
            {%- if only_ragged %}
            and (
                is_continuation
                or leaves_quote_open
                or {{ csv_field_count('line', delimiter_sql) }} != header_field_count
            )
            {%- endif %}
    ),

    single_line_records as (
        select
            source_file,
            record_number,
            source_row_number,
            line_number,
            line as record_text,
            {{ csv_field_count('line', delimiter_sql) }} as field_count,
            header_field_count
        from kept_lines
        where starts_record and not leaves_quote_open
    ),

    -- Records whose quoted values hold line breaks: their lines, joined.
    multi_line_records as (
        select
            source_file,
            record_number,
            source_row_number,
            min(line_number) as line_number,
            string_agg(line, chr(10) order by line_index) as record_text,
            min(header_field_count) as header_field_count
        from kept_lines
        where (starts_record and leaves_quote_open) or is_continuation
        group by source_file, record_index, record_number, source_row_number
    )

    select * from (
        select * from single_line_records
        union all
        select
            source_file,
            record_number,
            source_row_number,
            line_number,
            record_text,
            {{ csv_field_count('record_text', delimiter_sql) }} as field_count,
            header_field_count
        from multi_line_records
    ) as records
    {%- if only_ragged %}
    where field_count != header_field_count
    {%- endif %}
{%- endmacro %}


{% macro file_record_counts(location) -%}
    {#- The number of data records of each file of a CSV location (see file_lines), in one
        streaming pass: `source_file`, `record_count`. -#}
    select
        source_file,
        count(*) as record_count
    from ({{ file_lines(location) }}) as lines
    where starts_record and record_number > 0
    group by source_file
{%- endmacro %}


{% macro csv_field_count(text, delimiter_sql) -%}
    {#- Fields of a CSV record: the delimiters outside quoted values, plus one (without a
        quote, every delimiter counts: no regular expression for most records). Lengths in
        bytes: the delimiter is one byte, and counting characters costs more. -#}
    case
        when not contains({{ text }}, '"')
            then strlen({{ text }}) - strlen(replace({{ text }}, {{ delimiter_sql }}, '')) + 1
        else
            strlen(regexp_replace({{ text }}, '"[^"]*("|$)', '', 'g'))
            - strlen(replace(regexp_replace({{ text }}, '"[^"]*("|$)', '', 'g'), {{ delimiter_sql }}, ''))
            + 1
    end
{%- endmacro %}


{% macro read_raw_file(path, delimiter=none, encoding=none) %}
    {#- Reads a user's file the way seeds are loaded: every column as text, so that a value
        that does not parse becomes a rejected row with a reason instead of a failed load.
        The dialect is fixed, not left to DuckDB's sniffer: a header, standard quoting (`"`,
        doubled to escape), no comment character, no skipped lines, and the delimiter the
        base sets or csv_delimiter() finds in the header. strict_mode off accepts files that
        mix CRLF and LF line endings; null_padding reads a row with too few fields (which
        staged_rows rejects as `ragged_row`) instead of failing the load, and needs the
        single-threaded reader when a field holds a newline. Files of a glob are matched by
        column name, and each row keeps the name of its file in `source_file`. -#}
    {%- set checked = validate_file_path(path) -%}
    {%- if checked.lower().endswith('.parquet') -%}
        read_parquet('{{ checked }}', filename = 'source_file', union_by_name = true)
    {%- else -%}
        read_csv(
            '{{ checked }}',
            header = true,
            all_varchar = true,
            auto_detect = true,
            strict_mode = false,
            null_padding = true,
            parallel = false,
            comment = '',
            quote = '"',
            escape = '"',
            skip = 0,
            union_by_name = true,
            filename = 'source_file'
            {%- if encoding and encoding != 'utf-8' %}, encoding = '{{ encoding }}'{% endif %}
            {%- if delimiter %}, delim = '{{ '\\t' if delimiter == '\t' else delimiter }}'{% endif %}
        )
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


{% macro quote_identifier(name) -%}
    "{{ name | replace('"', '""') }}"
{%- endmacro %}


{% macro expression_columns(expression) %}
    {#- The source columns a mapping expression reads, as DuckDB's parser sees them (an
        expression that does not parse returns its error instead). -#}
    {%- if not execute -%}
        {{ return({'error': none, 'columns': []}) }}
    {%- endif -%}
    {%- set statement = ("select " ~ expression) | replace("'", "''") -%}
    {%- set parsed = run_query(
        "select json_extract_string(parsed, '$.error_message'), "
        ~ "to_json(coalesce(json_extract_string(parsed, '$..column_names[*]'), []))::varchar "
        ~ "from (select json_serialize_sql('" ~ statement ~ "')::json as parsed)"
    ) -%}
    {%- set row = parsed.rows[0] -%}
    {{ return({'error': row[0], 'columns': fromjson(row[1]) | unique | list}) }}
{% endmacro %}


{% macro mapping_reads(mapping) %}
    {#- The source columns one mapping reads: its alternatives, or its expression's columns. -#}
    {{ return(mapping.sources if mapping.sources is not none else expression_columns(mapping.expression).columns) }}
{% endmacro %}


{% macro staged_rows(customer_base, location, mappings, with_ragged_rows=true) -%}
    {#- Every raw row of one registry location, numbered in read order, with its file, its raw
        values (a struct; see raw_record_json), and one column per mapping under the project's name: numbers parsed
        (double), everything else trimmed text. In an expression, a source column that a
        numeric mapping reads is a number; any other is text. `unparseable_columns` lists the
        mapped columns whose source text is not a number. With `with_ragged_rows=false` a CSV
        file's records are not counted: `is_ragged_row` is null and `_source_line` too (for a
        query of the ids alone, which the ragged check does not change). -#}
    {%- set find_ragged = is_csv_file(location) and with_ragged_rows -%}
    {%- set read_as_number = [] -%}
    {%- set read_as_text = [] -%}
    {%- for name, mapping in mappings.items() -%}
        {%- for column in mapping_reads(mapping) -%}
            {%- if column not in read_as_text -%}{%- do read_as_text.append(column) -%}{%- endif -%}
            {%- if mapping.kind == 'numeric' and column not in read_as_number -%}
                {%- do read_as_number.append(column) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set alternatives = [] -%}
    {%- for mapping in mappings.values() if mapping.sources is not none and mapping.sources | length > 1 -%}
        {%- for column in mapping.sources if column not in alternatives -%}
            {%- do alternatives.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    with

    {% if find_ragged -%}
    -- The records of the file counted independently of the reader (file_records); those
    -- with more or fewer fields than their file's header are ragged. (DuckDB does not drop
    -- this join from a query that reads none of its columns: such a query asks for
    -- with_ragged_rows=false.)
    ragged_records as (
        select
            source_row_number,
            source_file,
            any_value(record_text) as record_text
        from ({{ file_records(location, only_ragged=true) }}) as records
        group by source_row_number, source_file
    ),

    {% endif -%}
    read_rows as (
        select
            row_number() over () as source_row_number,
            {% if location.seed -%}
            '{{ location.seed }}' as source_file,
            {%- else -%}
            raw_row.source_file,
            {%- endif %}
            raw_row as raw_values,
            raw_row.*
        from {{ raw_relation(location) }} as raw_row
    ),

    -- The raw values stay a struct, under the base's name so that bases with other columns do
    -- not share fields, beside `_source_line`: the whole line of a ragged row, the values the
    -- reader dropped included. raw_record_json() writes JSON for the rows that need it
    -- (serialising every row was the costliest step of reading a file).
    raw_rows as (
        {%- if find_ragged %}
        select
            read_rows.* exclude (raw_values),
            {
                '{{ customer_base }}': read_rows.raw_values,
                '_source_line': ragged_records.record_text
            } as raw_record,
            ragged_records.source_row_number is not null as is_ragged_row
        from read_rows
        left join ragged_records
            on
                read_rows.source_row_number = ragged_records.source_row_number
                and read_rows.source_file = ragged_records.source_file
        {%- else %}
        select
            * exclude (raw_values),
            {'{{ customer_base }}': raw_values, '_source_line': null::varchar} as raw_record,
            {{ 'null::boolean' if is_csv_file(location) else 'false' }} as is_ragged_row
        from read_rows
        {%- endif %}
    ),

    -- A mapping with alternative names reads whichever the file has: matching by name
    -- against an empty template makes the absent ones null columns.
    aligned as (
        {%- if alternatives %}
        select
            {%- for column in alternatives %}
            null::varchar as {{ quote_identifier(column) }}{{ "," if not loop.last }}
            {%- endfor %}
        where false
        union all by name
        {%- endif %}
        select * from raw_rows
    ),

    typed as (
        select
            source_row_number,
            source_file,
            raw_record,
            is_ragged_row,
            {%- for column in read_as_text %}
            {{ clean_text(quote_identifier(column)) }} as {{ quote_identifier('__text__' ~ column) }},
            {%- endfor %}
            {%- for column in read_as_text %}
            {%- if column in read_as_number %}
            {{ parse_number(quote_identifier(column)) }} as {{ quote_identifier(column) }}
            {%- else %}
            {{ clean_text(quote_identifier(column)) }} as {{ quote_identifier(column) }}
            {%- endif %}{{ "," if not loop.last }}
            {%- endfor %}
        from aligned
    ),

    mapped as (
        select
            source_row_number,
            '{{ customer_base }}' as customer_base,
            '{{ location.source_name }}' as source_name,
            source_file,
            raw_record,
            is_ragged_row,
            {%- for name, mapping in mappings.items() %}
            {{ mapped_value(mapping) }} as {{ name }},
            {%- endfor %}
            list_filter([
                {%- for name, mapping in mappings.items() if mapping.kind == 'numeric' %}
                case when {{ unparseable_condition(mapping) }} then '{{ name }}' end{{ "," if not loop.last }}
                {%- endfor %}
            ]::varchar[], lambda column_name: column_name is not null) as unparseable_columns
        from typed
    )

    select * from mapped
{%- endmacro %}


{% macro mapped_value(mapping) -%}
    {#- One mapped column's value from the `typed` columns of staged_rows. -#}
    {%- if mapping.expression is not none -%}
        ({{ mapping.expression }})::{{ 'double' if mapping.kind == 'numeric' else 'varchar' }}
    {%- elif mapping.kind == 'numeric' -%}
        coalesce({% for column in mapping.sources %}{{ quote_identifier(column) }}{{ ", " if not loop.last }}{% endfor %}, null)
    {%- else -%}
        coalesce({% for column in mapping.sources %}{{ quote_identifier('__text__' ~ column) }}{{ ", " if not loop.last }}{% endfor %}, null)
    {%- endif -%}
{%- endmacro %}


{% macro unparseable_condition(mapping) -%}
    {#- True when a numeric mapping's source text is there but is not a number. -#}
    {%- set reads = mapping_reads(mapping) -%}
    {%- if mapping.expression is none -%}
        coalesce({% for column in reads %}{{ quote_identifier('__text__' ~ column) }}{{ ", " if not loop.last }}{% endfor %}, null) is not null
        and {{ mapped_value(mapping) }} is null
    {%- elif reads -%}
        {%- for column in reads %}
        ({{ quote_identifier('__text__' ~ column) }} is not null and {{ quote_identifier(column) }} is null)
        {{- " or" if not loop.last }}
        {%- endfor %}
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}


{% macro staged_union(kind, with_ragged_rows=true) -%}
    {#- The staged rows of every registered base that has rows of this kind (`customers`,
        `orders` or `loyalty_members`), matched by column name; no rows when no base has any.
        `with_ragged_rows=false`: see staged_rows. -#}
    {%- set registry = customer_base_registry() -%}
    {%- set bases = customer_bases() if kind == 'customers' else bases_with(kind) -%}
    {%- if not bases %}
    {{ empty_staged_rows(history_columns()[kind]) }}
    {%- endif %}
    {%- for base in bases %}
    {%- set location = registry[base] if kind == 'customers' else registry[base][kind] %}
    select * from (
        {{ staged_rows(base, location, location.columns, with_ragged_rows) }}
    )
    {% if not loop.last %}union all by name{% endif %}
    {%- endfor %}
{%- endmacro %}


{% macro check_base_file(customer_base, kind, location) %}
    {#- Refuses a base's file that cannot be read: no file matches, the file is empty, it has a
        header but no rows, a mapped column is missing, or an expression does not parse or
        reads a column the file lacks. The message names the base, the file, the column and
        the problem. -#}
    {%- set label = "Base '" ~ customer_base ~ "' " ~ kind ~ " " ~ location.label -%}
    {%- if location.path -%}
        {%- set checked = validate_file_path(location.path) -%}
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
    {%- endif -%}
    {%- if is_csv_file(location) -%}
        {%- do check_csv_files(label, location) -%}
        {#- DuckDB's reader cannot read a file at all when a row within the rows it samples
            (the first 20,480) has more fields than the header; past them, the row is read
            and rejected as ragged_row. Only each file's first 100,000 lines are read here,
            which hold those records unless they average more than four lines each. -#}
        {%- set long_rows = run_query(
            "select source_file, line_number, field_count, header_field_count from ("
            ~ file_records(location, max_lines_per_file=100000, only_ragged=true) ~ ") where field_count > header_field_count"
            ~ " and record_number <= 20480 order by source_row_number limit 1"
        ).rows -%}
        {%- for file, line_number, field_count, header_field_count in long_rows -%}
            {{ exceptions.raise_compiler_error(
                label ~ ": line " ~ line_number ~ " of " ~ file ~ " has " ~ field_count
                ~ " fields where the header has " ~ header_field_count ~ ". Quote the value that"
                ~ " holds the delimiter (\"...\"), or remove the extra field."
            ) }}
        {%- endfor -%}
    {%- endif -%}
    {%- set relation = raw_relation(location) -%}
    {%- set found = run_query("describe select * from " ~ relation).columns[0].values() | reject('equalto', 'source_file') | list -%}
    {%- set found_lower = found | map('lower') | list -%}
    {%- for name, mapping in location.columns.items() -%}
        {%- if mapping.expression is not none -%}
            {%- set parsed = expression_columns(mapping.expression) -%}
            {%- if parsed.error -%}
                {{ exceptions.raise_compiler_error(
                    label ~ ": the expression of column '" ~ name ~ "' does not parse ("
                    ~ parsed.error ~ "): " ~ mapping.expression
                ) }}
            {%- endif -%}
            {%- for column in parsed.columns if column | lower not in found_lower -%}
                {{ exceptions.raise_compiler_error(
                    label ~ ": the expression of column '" ~ name ~ "' reads column '" ~ column
                    ~ "', which the file does not have. Found columns: " ~ found | join(', ') ~ "."
                ) }}
            {%- endfor -%}
        {%- else -%}
            {%- set present = [] -%}
            {%- for choice in mapping.sources if choice | lower in found_lower -%}
                {%- do present.append(choice) -%}
            {%- endfor -%}
            {%- if present | length == 0 -%}
                {{ exceptions.raise_compiler_error(
                    label ~ ": column '" ~ name ~ "' maps to '" ~ mapping.sources | join("' or '")
                    ~ "', which the file does not have. Found columns: " ~ found | join(', ') ~ "."
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set first_rows = run_query("select count(*) from (select 1 from " ~ relation ~ " limit 1)") -%}
    {%- if first_rows.columns[0].values()[0] == 0 -%}
        {{ exceptions.raise_compiler_error(label ~ ": the file has a header but no rows.") }}
    {%- endif -%}
{% endmacro %}


{% macro check_csv_files(label, location) %}
    {#- Refuses, naming the file, what DuckDB's CSV reader would answer with a message the
        user cannot act on: a glob matching both CSV and Parquet files, a gzip file not named
        `.gz`, a UTF-16 file, and a file that is not UTF-8 where the base does not set
        `encoding: latin-1`. The encoding checks read files of up to 256 MB. -#}
    {%- set checked = validate_file_path(location.path) -%}
    {%- set parquet_files = run_query(
        "select file from glob('" ~ checked ~ "') where lower(file) like '%.parquet' order by file limit 1"
    ).columns[0].values() -%}
    {%- if parquet_files -%}
        {{ exceptions.raise_compiler_error(
            label ~ ": the path matches Parquet files (" ~ parquet_files[0] ~ ") as well as CSV files;"
            ~ " a base's files are all CSV or all Parquet: narrow the path (e.g. *.csv or *.parquet)."
        ) }}
    {%- endif -%}
    {#- The sizes first (read_blob reads no content for them), then each small file's content
        on its own: a filter on size is not pushed into read_blob, which would read every
        file whole. -#}
    {%- set small_files = run_query(
        "select filename from read_blob('" ~ checked ~ "') where size <= 268435456 order by filename"
    ).columns[0].values() -%}
    {%- set files = [] -%}
    {%- for small_file in small_files -%}
        {%- do files.extend(run_query(
            "select filename, hex(content[1:2]), lower(filename) like '%.gz',"
            ~ " try(decode(content)) is null from read_blob('" ~ small_file | replace("'", "''") ~ "')"
        ).rows) -%}
    {%- endfor -%}
    {%- for file, first_bytes, is_named_gzip, is_not_utf8 in files -%}
        {%- if first_bytes == '1F8B' and not is_named_gzip -%}
            {{ exceptions.raise_compiler_error(
                label ~ ": " ~ file ~ " is gzip-compressed but not named .gz; rename it to "
                ~ file ~ ".gz (a .csv.gz file is read as compressed CSV) or decompress it."
            ) }}
        {%- elif first_bytes in ['FFFE', 'FEFF'] -%}
            {{ exceptions.raise_compiler_error(
                label ~ ": " ~ file ~ " is UTF-16 encoded; save it as UTF-8 (or as latin-1 and set"
                ~ " `encoding: latin-1` on the base)."
            ) }}
        {%- elif is_not_utf8 and not is_named_gzip and location.encoding != 'latin-1' -%}
            {{ exceptions.raise_compiler_error(
                label ~ ": " ~ file ~ " is not UTF-8 (a latin-1 or Windows-1252 export?); set"
                ~ " `encoding: latin-1` on the base, or save the file as UTF-8."
            ) }}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{% macro check_categorical_features(customer_base, location) %}
    {#- Refuses a categorical feature with a single value or more distinct values than var
        `max_categorical_levels`, counted in the file, naming base, column and count. -#}
    {%- set limit = var('max_categorical_levels') -%}
    {%- for feature in location.categorical_features -%}
        {%- set mapping = location.columns[feature] -%}
        {%- set counted = run_query(
            "select count(distinct value) from (select " ~ mapped_text_sql(mapping) ~ " as value from "
            ~ raw_relation(location) ~ ") where value is not null"
        ).columns[0].values()[0] -%}
        {%- if counted < 2 or counted > limit -%}
            {{ exceptions.raise_compiler_error(
                "Base '" ~ customer_base ~ "': categorical feature '" ~ feature ~ "' has " ~ counted
                ~ " distinct value(s) in " ~ location.label ~ "; a categorical feature needs 2 to "
                ~ limit ~ " (var max_categorical_levels). Segment on it as a number, or leave it "
                ~ "out of `categorical_features` (it still profiles the segments)."
            ) }}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{% macro mapped_text_sql(mapping) -%}
    {#- A categorical mapping read straight from the raw file, for the settings checks. -#}
    {%- if mapping.expression is not none -%}
        ({{ mapping.expression }})::varchar
    {%- else -%}
        coalesce({% for column in mapping.sources %}{{ clean_text(quote_identifier(column)) }}{{ ", " if not loop.last }}{% endfor %}, null)
    {%- endif -%}
{%- endmacro %}


{% macro check_registry_files() %}
    {#- Opens every base's files (its customers, orders and loyalty members) and checks them.
        Seeds are the project's own and are loaded only after this check runs. -#}
    {%- for base, entry in customer_base_registry().items() -%}
        {%- if entry.path -%}
            {%- do check_base_file(base, 'customers', entry) -%}
            {%- do check_categorical_features(base, entry) -%}
        {%- endif -%}
        {%- for kind in ['orders', 'loyalty_members'] if entry[kind] and entry[kind].path -%}
            {%- do check_base_file(base, kind, entry[kind]) -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}


{% macro empty_staged_rows(columns) -%}
    {#- No rows, with the columns staged_rows() would give: for a kind no base has. -#}
    select
        null::bigint as source_row_number,
        null::varchar as customer_base,
        null::varchar as source_name,
        null::varchar as source_file,
        null::varchar as raw_record,
        {%- for column in columns %}
        null::varchar as {{ column }},
        {%- endfor %}
        []::varchar[] as unparseable_columns,
        false as is_ragged_row
    where false
{%- endmacro %}


{% macro raw_record_json(kind, column='raw_record') -%}
    {#- The raw values of a staged row (the struct staged_rows keeps under the base's name) as
        a JSON object keyed by the original header names, without `source_file`, with
        `_source_line` for a ragged row: what rejected_rows shows. Only the rows that need it
        pay for the serialisation. -#}
    {%- set bases = customer_bases() if kind == 'customers' else bases_with(kind) -%}
    {%- if bases | length == 0 -%}
        null::varchar
    {%- else -%}
        case customer_base
        {%- for base in bases -%}
            {#- By a JSON path rather than the struct's field, so that the SQL binds whatever bases
                the struct holds (a unit test may pin another registry than the run's). -#}
            {%- set values = "json_extract(to_json(" ~ column ~ "), '$." ~ base ~ "')" %} when '{{ base }}' then
            json_merge_patch(
                {{ values }},
                json_object(
                    'source_file', null,
                    '_source_line', json_extract_string(to_json({{ column }}), '$._source_line')
                )
            )::varchar
        {%- endfor %} end
    {%- endif -%}
{%- endmacro %}
