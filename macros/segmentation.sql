{% macro segment_scaling() %}
    {#- 'standard' (cluster on z-scores) or 'none' (cluster on raw values). -#}
    {%- set scaling = var('segment_scaling') -%}
    {%- if scaling not in ['standard', 'none'] -%}
        {{ exceptions.raise_compiler_error(
            "Var 'segment_scaling' must be 'standard' or 'none', got: " ~ scaling
        ) }}
    {%- endif -%}
    {{ return(scaling) }}
{% endmacro %}


{% macro outlier_quantile() %}
    {#- The quantile of a segment's distances beyond which a customer is an outlier. -#}
    {%- set quantile = var('outlier_distance_quantile') -%}
    {%- if quantile is not number or quantile <= 0 or quantile >= 1 -%}
        {{ exceptions.raise_compiler_error(
            "Var 'outlier_distance_quantile' must be a number between 0 and 1 (exclusive), got: " ~ quantile
        ) }}
    {%- endif -%}
    {{ return(quantile) }}
{% endmacro %}


{% macro segmentation_settings() %}
    {#- Every var that shapes a run's results, as recorded in segmentation_runs; dates as text.
        orders_cutoff_date_used is the cutoff in force (today's date, UTC, when unset). -#}
    {%- set names = [
        'customer_bases', 'mall_customers_path', 'shop_customers_path', 'orders_path',
        'loyalty_members_path', 'min_customer_age', 'max_customer_age', 'min_working_age', 'max_family_size',
        'min_spending_score', 'max_spending_score', 'max_annual_income_usd', 'max_numeric_value',
        'max_order_amount_usd',
        'rejected_share_error_threshold', 'rejected_share_warn_threshold',
        'product_categories', 'order_channels', 'orders_cutoff_date', 'rfm_reference_date',
        'segment_features', 'categorical_feature_weight', 'max_categorical_levels', 'segment_k', 'segment_k_min',
        'segment_k_max', 'segment_k_rule', 'segment_scaling', 'random_seed', 'segment_n_init',
        'segment_sample_size', 'silhouette_sample_size', 'segment_stability_resamples',
        'stability_sample_size', 'outlier_distance_quantile', 'segment_mode',
        'segment_match_max_distance', 'drift_psi_threshold', 'drift_bins',
    ] -%}
    {%- set settings = {} -%}
    {%- for name in names -%}
        {%- set value = var(name, none) -%}
        {%- do settings.update({name: value.strftime('%Y-%m-%d') if value.strftime is defined else value}) -%}
    {%- endfor -%}
    {%- do settings.update({
        'orders_cutoff_date_used': settings['orders_cutoff_date'] or run_started_at.strftime('%Y-%m-%d')
    }) -%}
    {{ return(settings) }}
{% endmacro %}


{% macro fitting_sample(relation) -%}
    {#- Per base, the first var('segment_sample_size') rows of `relation` ordered by
        hash(customer_id, random_seed) then customer_id: a deterministic pseudo-random sample,
        one top-N query per base. -#}
    {%- for base in customer_bases() %}
    select * from (
        select *
        from {{ relation }}
        where customer_base = '{{ base }}'
        order by hash(customer_id, {{ var('random_seed') | int }}::bigint), customer_id
        limit {{ var('segment_sample_size') | int }}
    )
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}


{% macro segment_mode() %}
    {#- 'refit' (fit a model on this run's data and register it) or 'score' (assign with the
        latest registered model of each base, fitting nothing). -#}
    {%- set mode = var('segment_mode') -%}
    {%- if mode not in ['refit', 'score'] -%}
        {{ exceptions.raise_compiler_error(
            "Var 'segment_mode' must be 'refit' or 'score', got: " ~ mode
        ) }}
    {%- endif -%}
    {{ return(mode) }}
{% endmacro %}


{% macro model_registry_relation() %}
    {#- The model registry (int_segment_model_registry) as it stands before this run adds to
        it, or none before the first refit. Score mode reads it by name rather than by ref:
        the models it scores with were registered by earlier runs. -#}
    {{ return(adapter.get_relation(
        database=target.database, schema=target.schema, identifier='int_segment_model_registry'
    )) }}
{% endmacro %}


{% macro check_score_mode() %}
    {#- In score mode, every base of the registry must have a registered model fitted on the
        features its registry entry lists. Run before any model (validate_settings). -#}
    {%- if segment_mode() == 'score' -%}
        {%- set relation = model_registry_relation() -%}
        {%- if relation is none -%}
            {{ exceptions.raise_compiler_error(
                "segment_mode 'score' assigns customers with registered models, and no model has "
                ~ "been registered in " ~ target.path ~ " yet: run once with segment_mode 'refit'."
            ) }}
        {%- endif -%}
        {%- set models = run_query(
            "select customer_base, model_version, "
            ~ "coalesce(string_agg(distinct feature_name, ', ' order by feature_name) filter (where feature_kind = 'numeric'), ''), "
            ~ "coalesce(string_agg(distinct feature_name, ', ' order by feature_name) filter (where feature_kind = 'categorical'), '') "
            ~ "from " ~ relation ~ " where (customer_base, model_version) in ("
            ~ "select (customer_base, max(model_version)) from " ~ relation ~ " group by customer_base) "
            ~ "group by customer_base, model_version"
        ) -%}
        {%- set registered = {} -%}
        {%- for row in models.rows -%}
            {%- do registered.update({row[0]: row}) -%}
        {%- endfor -%}
        {%- for base, entry in customer_base_registry().items() -%}
            {%- if base not in registered -%}
                {{ exceptions.raise_compiler_error(
                    "Base '" ~ base ~ "': segment_mode 'score' needs a registered model of the base, "
                    ~ "and none has been fitted yet: run once with segment_mode 'refit'."
                ) }}
            {%- endif -%}
            {%- set row = registered[base] -%}
            {%- set numeric = row[2] -%}
            {%- set categorical = row[3] -%}
            {%- if numeric != (entry.features | sort | join(', ')) or categorical != (entry.categorical_features | sort | join(', ')) -%}
                {{ exceptions.raise_compiler_error(
                    "Base '" ~ base ~ "': segment_mode 'score' scores with model version " ~ row[1]
                    ~ ", fitted on " ~ ([numeric, categorical] | select | join(', ')) ~ "; the registry now segments on "
                    ~ (entry.features + entry.categorical_features) | join(', ')
                    ~ ". Refit (segment_mode 'refit') to segment on the new features."
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}


{% macro segment_feature_values(relation) -%}
    {#- One row per customer of `relation` and segment feature of its base: the numeric value
        (numeric features) or the category (categorical ones), for binning in drift. -#}
    {%- set parts = [] -%}
    {%- for base in customer_bases() -%}
        {%- for feature in segment_features(base) -%}
            {%- do parts.append(
                "select customer_base, customer_id, '" ~ feature ~ "' as feature_name, 'numeric' as feature_kind, "
                ~ feature ~ "::double as numeric_value, null::varchar as category_value from " ~ relation
                ~ " where customer_base = '" ~ base ~ "'"
            ) -%}
        {%- endfor -%}
        {%- for feature in categorical_segment_features(base) -%}
            {%- do parts.append(
                "select customer_base, customer_id, '" ~ feature ~ "' as feature_name, 'categorical' as feature_kind, "
                ~ "null::double as numeric_value, " ~ feature ~ "::varchar as category_value from " ~ relation
                ~ " where customer_base = '" ~ base ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if parts -%}
    {{ parts | join('\n    union all\n    ') }}
    {%- else -%}
    select null::varchar as customer_base, null::varchar as customer_id, null::varchar as feature_name,
        null::varchar as feature_kind, null::double as numeric_value, null::varchar as category_value
    where false
    {%- endif -%}
{%- endmacro %}


{% macro drift_share(share) -%}
    {#- A bin's share floored at 0.0001, so that an empty bin keeps the population stability
        index finite. -#}
    greatest({{ share }}, 0.0001)
{%- endmacro %}


{% macro this_or_empty(columns) -%}
    {#- In an incremental model: the model's own table as it stands before this run, or, on
        its first run, an empty relation with the given columns ({name: type}). -#}
    {%- if is_incremental() -%}
        {{ this }}
    {%- else -%}
        (select {% for name, type in columns.items() %}null::{{ type }} as {{ name }}{{ ", " if not loop.last }}{% endfor %} where false)
    {%- endif -%}
{%- endmacro %}
