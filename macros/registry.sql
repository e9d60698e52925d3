{#- The registry of customer bases (var `customer_bases`): the one place that knows which
    bases exist, where their rows are, how their columns map to the project's names and what
    each is segmented on. Everything downstream asks these macros; no base name is written in
    SQL. The README's "Bring your own files" lists every key. -#}

{% macro canonical_columns() %}
    {#- The project's own column names a base may map, with their kind: `id` (text key),
        `categorical` (text) or `numeric` (double). The validation rules know these. -#}
    {{ return({
        'customer_id': 'id',
        'gender': 'categorical',
        'profession': 'categorical',
        'age': 'numeric',
        'annual_income_usd': 'numeric',
        'spending_score': 'numeric',
        'work_experience_years': 'numeric',
        'family_size': 'numeric',
    }) }}
{% endmacro %}


{% macro behaviour_features() %}
    {#- Numeric features computed from a base's order history (RFM), segmentable where the
        base has one. -#}
    {{ return(['recency_days', 'order_count', 'monetary_value_usd']) }}
{% endmacro %}


{% macro history_columns() %}
    {#- The columns of the order and loyalty files: the project's name and its kind. A base
        maps them like its customer columns; unmapped, a column is read under its own name. -#}
    {{ return({
        'orders': {
            'order_id': 'text', 'line_number': 'text', 'customer_id': 'text', 'order_date': 'text',
            'product_category': 'text', 'amount_usd': 'text', 'channel': 'text',
        },
        'loyalty_members': {'customer_id': 'text', 'joined_date': 'text', 'tier': 'text'},
    }) }}
{% endmacro %}


{% macro reserved_column_names() %}
    {#- Names the models use themselves, so a user's column may not take them. -#}
    {{ return([
        'customer_base', 'source_name', 'source_file', 'source_row_number', 'raw_record',
        'unparseable_columns', 'failed_rules', 'is_valid', 'is_profession_missing', 'segment_id',
        'segment_key', 'persona_name', 'feature_vector', 'attributes_json', 'age_band',
        'income_band', 'spending_band', 'rfm_segment', 'favourite_category', 'preferred_channel',
        'is_loyalty_member', 'income_per_family_member_usd',
    ] + behaviour_features()) }}
{% endmacro %}


{% macro registry_error(base, message) %}
    {{ exceptions.raise_compiler_error("Var 'customer_bases', base '" ~ base ~ "': " ~ message) }}
{% endmacro %}


{% macro normalise_location(base, entry, kind, default_source_name) %}
    {#- Where a base's rows of one kind are: {seed, path, source_name, label}. A seed's
        `<seed>_path` var, when set, replaces the seed by that file. -#}
    {%- if entry is not mapping -%}
        {{ registry_error(base, kind ~ " must be a mapping with `seed` or `path`, got: " ~ entry) }}
    {%- endif -%}
    {%- set seed = entry.get('seed') -%}
    {%- set path = entry.get('path') -%}
    {%- if (seed and path) or not (seed or path) -%}
        {{ registry_error(base, kind ~ " needs exactly one of `seed` or `path`, got: " ~ entry) }}
    {%- endif -%}
    {%- if seed and not modules.re.fullmatch('[a-z][a-z0-9_]*', seed | string) -%}
        {{ registry_error(base, kind ~ " names seed '" ~ seed ~ "': seed names are lowercase letters, digits and _.") }}
    {%- endif -%}
    {%- set path_var = (seed ~ '_path') if seed else none -%}
    {%- if seed and var(path_var, none) -%}
        {%- set path = var(path_var) -%}
    {%- endif -%}
    {%- if path -%}
        {%- do validate_file_path(path) -%}
    {%- endif -%}
    {%- set delimiter = entry.get('delimiter') -%}
    {%- if delimiter is not none and (delimiter is not string or delimiter | length != 1 or delimiter in ["'", '"', '\n']) -%}
        {{ registry_error(base, kind ~ " `delimiter` must be one character (e.g. ',', ';', '\\t', '|'), got: " ~ delimiter) }}
    {%- endif -%}
    {%- set encoding = entry.get('encoding') -%}
    {%- if encoding is not none and encoding not in ['utf-8', 'latin-1'] -%}
        {{ registry_error(base, kind ~ " `encoding` must be 'utf-8' (the default) or 'latin-1' (also for Windows-1252 exports), got: " ~ encoding) }}
    {%- endif -%}
    {{ return({
        'seed': none if path else seed,
        'path': path,
        'encoding': encoding,
        'path_var': path_var if (seed and var(path_var, none)) else none,
        'delimiter': delimiter,
        'source_name': entry.get('source_name') or seed or default_source_name,
        'label': ("file '" ~ path ~ "'" ~ (" (var " ~ path_var ~ ")" if seed else "")) if path else "seed '" ~ seed ~ "'",
    }) }}
{% endmacro %}


{% macro normalise_mapping(base, name, mapping, kind) %}
    {#- One column mapping: {sources: [alternative column names] | none, expression: SQL | none,
        kind}. -#}
    {%- if mapping is string -%}
        {{ return({'sources': [mapping], 'expression': none, 'kind': kind}) }}
    {%- elif mapping is mapping -%}
        {%- set unknown = mapping.keys() | reject('in', ['column', 'expression', 'type']) | list -%}
        {%- if unknown -%}
            {{ registry_error(base, "column '" ~ name ~ "' has unknown key(s) " ~ unknown | join(', ') ~ "; allowed: column, expression, type.") }}
        {%- endif -%}
        {%- if ('column' in mapping) == ('expression' in mapping) -%}
            {{ registry_error(base, "column '" ~ name ~ "' needs exactly one of `column` or `expression`, got: " ~ mapping) }}
        {%- endif -%}
        {%- if 'expression' in mapping -%}
            {%- set expression = mapping['expression'] -%}
            {%- if expression is not string or expression | trim | length == 0 or ';' in expression -%}
                {{ registry_error(base, "column '" ~ name ~ "': `expression` must be one SQL expression (no semicolon), got: " ~ expression) }}
            {%- endif -%}
            {{ return({'sources': none, 'expression': expression, 'kind': kind}) }}
        {%- endif -%}
        {{ return(normalise_mapping(base, name, mapping['column'], kind)) }}
    {%- elif mapping is iterable and mapping | length > 0 and mapping | reject('string') | list | length == 0 -%}
        {{ return({'sources': mapping | list, 'expression': none, 'kind': kind}) }}
    {%- endif -%}
    {{ registry_error(base, "column '" ~ name ~ "' must map to a source column name, a list of alternative names, or {expression: <SQL>}, got: " ~ mapping) }}
{% endmacro %}


{% macro column_kind(base, name, mapping, features, categorical_features) %}
    {#- The kind of a mapped column: fixed for the project's own names; for a user's own,
        its `type`, else numeric when segmented on as a number, else categorical. -#}
    {%- if name in canonical_columns() -%}
        {{ return(canonical_columns()[name]) }}
    {%- endif -%}
    {%- set declared = mapping.get('type') if mapping is mapping else none -%}
    {%- if declared is not none -%}
        {%- if declared not in ['numeric', 'categorical'] -%}
            {{ registry_error(base, "column '" ~ name ~ "' has type '" ~ declared ~ "'; allowed: numeric, categorical.") }}
        {%- endif -%}
        {{ return(declared) }}
    {%- endif -%}
    {{ return('numeric' if name in features else 'categorical') }}
{% endmacro %}


{% macro string_list(base, key, value) %}
    {%- if value is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if value is string or value is mapping or value is not iterable or value | reject('string') | list | length > 0 -%}
        {{ registry_error(base, "`" ~ key ~ "` must be a list of column names, got: " ~ value) }}
    {%- endif -%}
    {%- if value | unique | list | length != value | length -%}
        {{ registry_error(base, "`" ~ key ~ "` lists a column twice: " ~ value | join(', ')) }}
    {%- endif -%}
    {{ return(value | list) }}
{% endmacro %}


{% macro normalise_base(base, entry) %}
    {#- One registry entry, checked and with its defaults filled in. -#}
    {%- set allowed_keys = [
        'seed', 'path', 'delimiter', 'encoding', 'source_name', 'description', 'columns', 'features',
        'categorical_features', 'required', 'orders', 'loyalty_members',
    ] -%}
    {%- if not modules.re.fullmatch('[a-z][a-z0-9_]{0,39}', base | string) -%}
        {{ exceptions.raise_compiler_error(
            "Var 'customer_bases': base name '" ~ base ~ "' must be lowercase letters, digits and _ (starting with a letter, at most 40)."
        ) }}
    {%- endif -%}
    {%- if entry is not mapping -%}
        {{ registry_error(base, "must be a mapping (seed or path, columns, features, ...), got: " ~ entry) }}
    {%- endif -%}
    {%- set unknown = entry.keys() | reject('in', allowed_keys) | list -%}
    {%- if unknown -%}
        {{ registry_error(base, "unknown key(s) " ~ unknown | join(', ') ~ "; allowed: " ~ allowed_keys | join(', ') ~ ".") }}
    {%- endif -%}
    {%- set location = normalise_location(base, entry, 'customers', base ~ '_customers') -%}
    {%- set columns_raw = entry.get('columns') -%}
    {%- if columns_raw is not mapping or 'customer_id' not in columns_raw -%}
        {{ registry_error(base, "`columns` must be a mapping that maps at least `customer_id`, got: " ~ columns_raw) }}
    {%- endif -%}
    {%- set has_orders = entry.get('orders') is not none -%}
    {%- set features = string_list(base, 'features', entry.get('features') if entry.get('features') is not none else var('segment_features')) -%}
    {%- set categorical_features = string_list(base, 'categorical_features', entry.get('categorical_features')) -%}
    {%- set required = string_list(base, 'required', entry.get('required')) -%}
    {%- set columns = {} -%}
    {%- for name, mapping in columns_raw.items() -%}
        {%- if not modules.re.fullmatch('[a-z][a-z0-9_]{0,62}', name | string) -%}
            {{ registry_error(base, "column name '" ~ name ~ "' must be lowercase letters, digits and _ (starting with a letter).") }}
        {%- endif -%}
        {%- if name in reserved_column_names() -%}
            {{ registry_error(base, "column name '" ~ name ~ "' is used by the project itself; choose another name.") }}
        {%- endif -%}
        {%- set kind = column_kind(base, name, mapping, features, categorical_features) -%}
        {%- do columns.update({name: normalise_mapping(base, name, mapping, kind)}) -%}
    {%- endfor -%}
    {%- set numeric_columns = [] -%}
    {%- set categorical_columns = [] -%}
    {%- for name, column in columns.items() -%}
        {%- do (numeric_columns if column.kind == 'numeric' else categorical_columns if column.kind == 'categorical' else []).append(name) -%}
    {%- endfor -%}
    {%- set available = numeric_columns + (behaviour_features() if has_orders else []) -%}
    {%- if features | length + categorical_features | length == 0 -%}
        {{ registry_error(base, "segments on nothing: list at least one column in `features` or `categorical_features`.") }}
    {%- endif -%}
    {%- for feature in features if feature not in available -%}
        {%- if feature in behaviour_features() -%}
            {{ registry_error(base, "feature '" ~ feature ~ "' comes from an order history, and this base has none (add `orders`).") }}
        {%- endif -%}
        {{ registry_error(base, "feature '" ~ feature ~ "' is not a mapped numeric column; numeric columns available: " ~ (available | join(', ') or 'none') ~ ". Map it under `columns` (a categorical column goes in `categorical_features`).") }}
    {%- endfor -%}
    {%- for feature in categorical_features if feature not in categorical_columns -%}
        {{ registry_error(base, "categorical feature '" ~ feature ~ "' is not a mapped categorical column; categorical columns available: " ~ (categorical_columns | join(', ') or 'none') ~ ".") }}
    {%- endfor -%}
    {%- for column in required if column not in columns -%}
        {{ registry_error(base, "required column '" ~ column ~ "' is not mapped under `columns`.") }}
    {%- endfor -%}
    {%- set history = {} -%}
    {%- for kind, known in history_columns().items() if entry.get(kind) is not none -%}
        {%- set history_entry = entry.get(kind) -%}
        {%- set history_location = normalise_location(base, history_entry, kind, base ~ '_' ~ kind) -%}
        {%- set mapped = history_entry.get('columns') or {} -%}
        {%- if mapped is not mapping -%}
            {{ registry_error(base, kind ~ " `columns` must be a mapping, got: " ~ mapped) }}
        {%- endif -%}
        {%- set history_mappings = {} -%}
        {%- for name in known -%}
            {%- do history_mappings.update({name: normalise_mapping(base, kind ~ '.' ~ name, mapped.get(name, name), 'text')}) -%}
        {%- endfor -%}
        {%- for name in mapped if name not in known -%}
            {{ registry_error(base, kind ~ " maps unknown column '" ~ name ~ "'; known: " ~ known | join(', ') ~ ".") }}
        {%- endfor -%}
        {%- do history_location.update({'columns': history_mappings}) -%}
        {%- do history.update({kind: history_location}) -%}
    {%- endfor -%}
    {%- do location.update({
        'name': base,
        'description': entry.get('description') or '',
        'columns': columns,
        'numeric_columns': numeric_columns,
        'categorical_columns': categorical_columns,
        'features': features,
        'categorical_features': categorical_features,
        'required': required,
        'orders': history.get('orders'),
        'loyalty_members': history.get('loyalty_members'),
    }) -%}
    {{ return(location) }}
{% endmacro %}


{% macro customer_base_registry() %}
    {#- Every registered base, normalised: {base: description}. Refuses a malformed registry
        or the retired var `segment_features_by_base` with a message naming base and key. -#}
    {%- if var('segment_features_by_base', none) -%}
        {{ exceptions.raise_compiler_error(
            "Var 'segment_features_by_base' is replaced by the registry: set `features` (and "
            ~ "`categorical_features`) on the base in var 'customer_bases'."
        ) }}
    {%- endif -%}
    {%- set raw = var('customer_bases') -%}
    {%- if raw is not mapping or raw | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "Var 'customer_bases' must map at least one base name to its description, got: " ~ raw
        ) }}
    {%- endif -%}
    {%- set registry = {} -%}
    {%- for base in raw | sort -%}
        {%- do registry.update({base: normalise_base(base, raw[base])}) -%}
    {%- endfor -%}
    {%- set seeds_read = [] -%}
    {%- for entry in registry.values() -%}
        {%- for location in [entry, entry.orders, entry.loyalty_members] if location -%}
            {%- do seeds_read.append(location.path_var or (location.seed ~ '_path')) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for path_var in ['mall_customers_path', 'shop_customers_path', 'orders_path', 'loyalty_members_path']
        if var(path_var, none) and path_var not in seeds_read -%}
        {{ exceptions.raise_compiler_error(
            "Var '" ~ path_var ~ "' is set, but no base in var 'customer_bases' reads the seed it replaces ('"
            ~ path_var[:-5] ~ "'); registered bases: " ~ registry.keys() | join(', ')
            ~ ". Give your file's base a `path` in the registry instead."
        ) }}
    {%- endfor -%}
    {%- set source_names = [] -%}
    {%- for base, entry in registry.items() -%}
        {%- for location in [entry, entry.orders, entry.loyalty_members] if location -%}
            {%- if location.source_name in source_names -%}
                {{ registry_error(base, "source name '" ~ location.source_name ~ "' is used twice; give each file its own `source_name`.") }}
            {%- endif -%}
            {%- do source_names.append(location.source_name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(registry) }}
{% endmacro %}


{% macro customer_bases() %}
    {#- The registered base names, sorted. -#}
    {{ return(customer_base_registry().keys() | list) }}
{% endmacro %}


{% macro bases_with(kind) %}
    {#- The bases with an order history (`orders`) or loyalty file (`loyalty_members`). -#}
    {%- set bases = [] -%}
    {%- for base, entry in customer_base_registry().items() if entry[kind] -%}
        {%- do bases.append(base) -%}
    {%- endfor -%}
    {{ return(bases) }}
{% endmacro %}


{% macro registry_columns(kind) %}
    {#- Every column of this kind (`numeric` or `categorical`) that any base maps, the
        project's own names first, then the users' in first-seen order. -#}
    {%- set names = [] -%}
    {%- for name, column_kind in canonical_columns().items() if column_kind == kind -%}
        {%- do names.append(name) -%}
    {%- endfor -%}
    {%- for base, entry in customer_base_registry().items() -%}
        {%- for name in entry[kind ~ '_columns'] if name not in names -%}
            {%- do names.append(name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{% macro extra_columns() %}
    {#- The users' own columns (neither the project's names nor behaviour), across bases. -#}
    {{ return((registry_columns('numeric') + registry_columns('categorical')) | reject('in', canonical_columns()) | list) }}
{% endmacro %}


{% macro candidate_features() %}
    {#- Every numeric column that can be standardised and segmented on, across bases: the
        project's own, the users' numeric columns and the behaviour features. -#}
    {{ return(registry_columns('numeric') + behaviour_features()) }}
{% endmacro %}


{% macro segment_features(customer_base) %}
    {#- The numeric features a base is segmented on (registry `features`, else var
        `segment_features`), checked against what the base maps. -#}
    {{ return(customer_base_registry()[customer_base].features) }}
{% endmacro %}


{% macro categorical_segment_features(customer_base) %}
    {#- The categorical features a base is segmented on (registry `categorical_features`). -#}
    {{ return(customer_base_registry()[customer_base].categorical_features) }}
{% endmacro %}


{% macro all_categorical_segment_features() %}
    {#- Every categorical feature any base is segmented on, in first-seen order. -#}
    {%- set features = [] -%}
    {%- for base in customer_bases() -%}
        {%- for feature in categorical_segment_features(base) if feature not in features -%}
            {%- do features.append(feature) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(features) }}
{% endmacro %}


{% macro registry_maps(column) %}
    {#- True when at least one base maps this column. -#}
    {{ return(bases_mapping(column) | length > 0) }}
{% endmacro %}


{% macro registry_locations(kind) %}
    {#- Where each base's rows of this kind come from, for the staging models' docs:
        {base: 'seed <name>' | 'file <path>'}. -#}
    {%- set locations = {} -%}
    {%- for base, entry in customer_base_registry().items() -%}
        {%- set location = entry if kind == 'customers' else entry[kind] -%}
        {%- if location -%}
            {%- do locations.update({base: location.label}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(locations) }}
{% endmacro %}


{% macro sql_quoted_list(names) -%}
    {#- Checked names (base or column names) as SQL string literals for `in (...)`; `null`
        for an empty list, which matches nothing. -#}
    {%- for name in names -%}
        '{{ name }}'{{ ", " if not loop.last }}
    {%- else -%}
        null
    {%- endfor -%}
{%- endmacro %}


{% macro registry_source_names(kind=none) %}
    {#- The source names of every registered location, or of one kind (`customers`,
        `orders`, `loyalty_members`). -#}
    {%- set names = [] -%}
    {%- for entry in customer_base_registry().values() -%}
        {%- for location_kind, location in [('customers', entry), ('orders', entry.orders), ('loyalty_members', entry.loyalty_members)]
            if location and (kind is none or kind == location_kind) -%}
            {%- do names.append(location.source_name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{% macro attributes_json() -%}
    {#- Per customer, the base's own columns (those outside the project's names) as a JSON
        object; null for a base that maps none. -#}
    {%- set whens = [] -%}
    {%- for base, entry in customer_base_registry().items() -%}
        {%- set own = entry.columns.keys() | reject('in', canonical_columns()) | list -%}
        {%- if own -%}
            {%- set fields = [] -%}
            {%- for column in own -%}
                {%- do fields.append(column ~ ' := ' ~ column) -%}
            {%- endfor -%}
            {%- do whens.append("when '" ~ base ~ "' then to_json(struct_pack(" ~ fields | join(', ') ~ "))::varchar") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if whens -%}
        case customer_base {{ whens | join(' ') }} end
    {%- else -%}
        null::varchar
    {%- endif -%}
{%- endmacro %}


{% macro segment_feature_names() %}
    {#- Every feature name a segmentation dimension can belong to, numeric or categorical. -#}
    {{ return(candidate_features() + all_categorical_segment_features()) }}
{% endmacro %}


{% macro segment_feature_pairs(key) -%}
    {#- Every (base, feature) pair of a registry list (`features` or `categorical_features`),
        as SQL row values for `(customer_base, attribute_name) in (...)`. -#}
    {%- set pairs = [] -%}
    {%- for base, entry in customer_base_registry().items() -%}
        {%- for feature in entry[key] -%}
            {%- do pairs.append("('" ~ base ~ "', '" ~ feature ~ "')") -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ pairs | join(', ') if pairs else "(null, null)" }}
{%- endmacro %}


{% macro bases_mapping(column) %}
    {#- The bases whose registry entry maps this column. -#}
    {%- set bases = [] -%}
    {%- for base, entry in customer_base_registry().items() if column in entry.columns -%}
        {%- do bases.append(base) -%}
    {%- endfor -%}
    {{ return(bases) }}
{% endmacro %}


{% macro bases_never_missing(column) %}
    {#- The bases in which a valid customer always has this column: it is required, or
        segmented on. -#}
    {%- set bases = [] -%}
    {%- for base, entry in customer_base_registry().items()
        if column in entry.required + entry.features + entry.categorical_features -%}
        {%- do bases.append(base) -%}
    {%- endfor -%}
    {{ return(bases) }}
{% endmacro %}


{% macro segment_feature_rows() -%}
    {#- Every base's segment features as SQL row values (customer_base, feature_name,
        feature_kind, feature_position): numeric features first, then categorical ones; a
        row of nulls when there are none. -#}
    {%- set rows = [] -%}
    {%- for base, entry in customer_base_registry().items() -%}
        {%- for feature in entry.features -%}
            {%- do rows.append("('" ~ base ~ "', '" ~ feature ~ "', 'numeric', " ~ loop.index ~ ")") -%}
        {%- endfor -%}
        {%- for feature in entry.categorical_features -%}
            {%- do rows.append("('" ~ base ~ "', '" ~ feature ~ "', 'categorical', " ~ (entry.features | length + loop.index) ~ ")") -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ (rows or ["(null, null, null, null)"]) | join(', ') }}
{%- endmacro %}


{% macro profiled_columns(numeric_columns, categorical_columns) -%}
    {#- The columns segment_profiles describes: numbers as doubles, categories as text. gender
        and profession have defaults ('unknown', 'Unknown') in every base, so each column is
        kept only for the bases that map it (behaviour is null where a base has no orders). -#}
    {%- for column in numeric_columns %}
    {{ column }}::double as {{ column }},
    {%- endfor %}
    {%- for column in categorical_columns %}
    case
        when customer_base in ({{ sql_quoted_list(bases_mapping(column)) }}) then {{ column }}::varchar
    end as {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro numeric_columns_or_null() -%}
    {#- Every numeric column any base maps, the project's own always: the staged value, or a
        typed null where no base maps it. -#}
    {%- for column in registry_columns('numeric') %}
    {{ column if registry_maps(column) else 'null::double' }} as {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro categorical_feature_values(relation) -%}
    {#- Per customer of `relation`, one row per categorical feature its base is segmented on
        (customer_base, feature_name, category_value), from one unpivot; no rows when no base
        has a categorical feature. -#}
    {%- set features = all_categorical_segment_features() -%}
    {%- if features -%}
    select
        customer_base,
        feature_name,
        category_value
    from (
        unpivot (select customer_base, {{ features | join(', ') }} from {{ relation }})
        on {{ features | join(', ') }}
        into name feature_name value category_value
    )
    where (customer_base, feature_name) in ({{ segment_feature_pairs('categorical_features') }})
    {%- else -%}
    select
        customer_base,
        null::varchar as feature_name,
        null::varchar as category_value
    from {{ relation }}
    where false
    {%- endif -%}
{%- endmacro %}
