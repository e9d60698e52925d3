{% macro validate_settings() %}
    {#- Run before any model (on-run-start): every var that shapes SQL or the segmentation is
        checked, and every base's files (seeds and users' files alike) are opened and their
        columns compared with the registry's mappings,
        so a wrong setting or file is refused with a clear message before any SQL runs. -#}
    {%- if execute -%}
        {%- do customer_base_registry() -%}
        {%- do segment_scaling() -%}
        {%- do categorical_encoding_value() -%}
        {%- do outlier_quantile() -%}
        {%- do check_score_mode() -%}
        {%- for name in ['segment_match_max_distance', 'drift_psi_threshold'] -%}
            {%- if var(name) is not number or var(name) is sameas true or var(name) is sameas false or var(name) < 0 -%}
                {{ exceptions.raise_compiler_error(
                    "Var '" ~ name ~ "' must be a number of at least 0, got " ~ described_value(var(name))
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- do sql_string_list('product_categories') -%}
        {%- do sql_string_list('order_channels') -%}
        {%- do sql_date_var('orders_cutoff_date', 'current_date') -%}
        {%- do sql_date_var('rfm_reference_date', 'null') -%}
        {%- set segment_k = var('segment_k') -%}
        {%- if not (segment_k == 'auto' or (segment_k is integer and segment_k >= 2)) -%}
            {{ exceptions.raise_compiler_error("Var 'segment_k' must be 'auto' or an integer of at least 2, got " ~ described_value(segment_k)) }}
        {%- endif -%}
        {%- if var('segment_k_rule') not in ['silhouette', 'calinski_harabasz', 'davies_bouldin'] -%}
            {{ exceptions.raise_compiler_error(
                "Var 'segment_k_rule' must be one of silhouette, calinski_harabasz, davies_bouldin, got: "
                ~ var('segment_k_rule')
            ) }}
        {%- endif -%}
        {%- for name, minimum in [
            ('segment_k_min', 2), ('segment_k_max', 2), ('segment_n_init', 10), ('random_seed', 0),
            ('segment_sample_size', 100), ('diagnostics_sample_size', 100),
            ('silhouette_sample_size', 100),
            ('segment_stability_resamples', 0), ('stability_sample_size', 100), ('min_customer_age', 0),
            ('max_customer_age', 1), ('min_working_age', 0), ('max_family_size', 1),
            ('max_categorical_levels', 2), ('drift_bins', 2),
        ] -%}
            {%- if var(name) is not integer or var(name) < minimum -%}
                {{ exceptions.raise_compiler_error(
                    "Var '" ~ name ~ "' must be an integer of at least " ~ minimum ~ ", got " ~ described_value(var(name))
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- if var('random_seed') > 4294967295 -%}
            {{ exceptions.raise_compiler_error("Var 'random_seed' must be at most 4294967295, got: " ~ var('random_seed')) }}
        {%- endif -%}
        {%- for low, high in [
            ('segment_k_min', 'segment_k_max'), ('min_customer_age', 'max_customer_age'),
            ('min_spending_score', 'max_spending_score'),
            ('rejected_share_warn_threshold', 'rejected_share_error_threshold'),
        ] -%}
            {%- if var(high) is number and var(low) is number and var(high) < var(low) -%}
                {{ exceptions.raise_compiler_error(
                    "Var '" ~ high ~ "' (" ~ var(high) ~ ") is below '" ~ low ~ "' (" ~ var(low) ~ ")."
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- for name in ['rejected_share_error_threshold', 'rejected_share_warn_threshold'] -%}
            {%- if var(name) is not number or var(name) < 0 or var(name) > 1 -%}
                {{ exceptions.raise_compiler_error("Var '" ~ name ~ "' must be a share between 0 and 1, got " ~ described_value(var(name))) }}
            {%- endif -%}
        {%- endfor -%}
        {%- if var('segment_k_max') < var('segment_k_min') -%}
            {{ exceptions.raise_compiler_error(
                "Var 'segment_k_max' (" ~ var('segment_k_max') ~ ") is below 'segment_k_min' (" ~ var('segment_k_min') ~ ")."
            ) }}
        {%- endif -%}
        {%- for name in [
            'min_spending_score', 'max_spending_score', 'max_annual_income_usd', 'max_numeric_value',
            'max_order_amount_usd', 'rejected_share_error_threshold', 'rejected_share_warn_threshold',
        ] -%}
            {%- if var(name) is not number or var(name) < 0 -%}
                {{ exceptions.raise_compiler_error("Var '" ~ name ~ "' must be a non-negative number, got " ~ described_value(var(name))) }}
            {%- endif -%}
        {%- endfor -%}
        {%- do check_registry_files() -%}
    {%- endif -%}
    select 1
{% endmacro %}
