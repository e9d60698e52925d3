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
        'stability_sample_size', 'outlier_distance_quantile',
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
