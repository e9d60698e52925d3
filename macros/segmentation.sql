{% macro customer_bases() %}
    {#- The customer bases the project knows; each is segmented on its own. -#}
    {{ return(['mall', 'shop']) }}
{% endmacro %}


{% macro segment_features(customer_base) %}
    {#- The features a base is segmented on: var('segment_features_by_base')[base] when set,
        else var('segment_features'). Every name is checked against candidate_features(),
        so no var value reaches SQL unchecked. -#}
    {%- set by_base = var('segment_features_by_base', {}) or {} -%}
    {%- if by_base is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "Var 'segment_features_by_base' must map a customer base to a list of features, got: " ~ by_base
        ) }}
    {%- endif -%}
    {%- for base in by_base -%}
        {%- if base not in customer_bases() -%}
            {{ exceptions.raise_compiler_error(
                "Var 'segment_features_by_base' names an unknown customer base '" ~ base
                ~ "'; known bases: " ~ customer_bases() | join(', ')
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set features = by_base.get(customer_base) or var('segment_features') -%}
    {%- if features is string or features is not iterable or features | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "Segment features for base '" ~ customer_base ~ "' must be a non-empty list, got: " ~ features
        ) }}
    {%- endif -%}
    {%- for feature in features -%}
        {%- if feature not in candidate_features() -%}
            {{ exceptions.raise_compiler_error(
                "Unknown segment feature '" ~ feature ~ "' for base '" ~ customer_base
                ~ "'; allowed features: " ~ candidate_features() | join(', ')
            ) }}
        {%- endif -%}
        {%- if feature not in base_features(customer_base) -%}
            {{ exceptions.raise_compiler_error(
                "Segment feature '" ~ feature ~ "' is not available for base '" ~ customer_base
                ~ "' (its file has no such data); available there: "
                ~ base_features(customer_base) | join(', ')
                ~ ". Choose features per base with var 'segment_features_by_base'."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(features) }}
{% endmacro %}


{% macro base_features(customer_base) %}
    {#- The candidate features a base has data for: the Mall format has only age, income and
        spending; the shop base has its extra columns and an order history. -#}
    {%- if customer_base == 'mall' -%}
        {{ return(['age', 'annual_income_usd', 'spending_score']) }}
    {%- endif -%}
    {{ return(candidate_features()) }}
{% endmacro %}


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
        'mall_customers_path', 'shop_customers_path', 'orders_path', 'loyalty_members_path',
        'min_customer_age', 'max_customer_age', 'min_working_age', 'max_family_size',
        'min_spending_score', 'max_spending_score', 'max_annual_income_usd',
        'rejected_share_error_threshold', 'rejected_share_warn_threshold',
        'product_categories', 'order_channels', 'orders_cutoff_date', 'rfm_reference_date',
        'segment_features', 'segment_features_by_base', 'segment_k', 'segment_k_min',
        'segment_k_max', 'segment_k_rule', 'segment_scaling', 'random_seed', 'segment_n_init',
        'segment_sample_size', 'silhouette_sample_size', 'outlier_distance_quantile',
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


{% macro all_segment_features() %}
    {#- Every feature any base is segmented on, in first-seen order. -#}
    {%- set features = [] -%}
    {%- for base in customer_bases() -%}
        {%- for feature in segment_features(base) if feature not in features -%}
            {%- do features.append(feature) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(features) }}
{% endmacro %}


{% macro pivoted_centroids(features) -%}
    {#- From centroid rows (feature_name, centroid_value), one column per feature. -#}
    {%- for feature in features %}
        max(centroid_value) filter (where feature_name = '{{ feature }}') as {{ feature }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro centroid_vector_lists() -%}
    {#- Per base, its centroids as one list of feature structs in segment order (1..k):
        column `<base>__centroids`, null when the base has no segments. -#}
    {%- for base in customer_bases() %}
        list(
            struct_pack(
                {%- for feature in segment_features(base) %}
                {{ feature }} := {{ feature }}{{ "," if not loop.last }}
                {%- endfor %}
            )
            order by segment_id
        ) filter (where customer_base = '{{ base }}') as {{ base }}__centroids{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro centroid_distance_lists(customers, centroid_lists, feature_suffix) -%}
    {#- Per customer, the Euclidean distances to each centroid of its own base, as a list in
        segment order, over the base's segment features. -#}
    case {{ customers }}.customer_base
        {%- for base in customer_bases() %}
        when '{{ base }}' then list_transform(
            {{ centroid_lists }}.{{ base }}__centroids,
            lambda centroid: sqrt(
                {%- for feature in segment_features(base) %}
                power({{ customers }}.{{ feature }}{{ feature_suffix }} - centroid.{{ feature }}, 2)
                {{- " +" if not loop.last }}
                {%- endfor %}
            )
        )
        {%- endfor %}
    end
{%- endmacro %}
