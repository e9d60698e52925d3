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
    {%- endfor -%}
    {{ return(features) }}
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
