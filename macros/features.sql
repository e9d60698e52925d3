{% macro zscore(value, mean, stddev) -%}
    {#- StandardScaler's formula: population standard deviation, and 0 for a constant column. -#}
    case
        when {{ value }} is null then null
        when {{ stddev }} = 0 then 0.0
        else ({{ value }} - {{ mean }}) / {{ stddev }}
    end
{%- endmacro %}


{% macro feature_aggregates(features) -%}
    {#- count, mean, population stddev, min and max of each feature: `<feature>__<measure>`.
        Mean and stddev are rounded to 9 decimals, so that parallel floating-point sums taken
        in a different order give the same standardisation run after run. -#}
    {%- for feature in features %}
        count({{ feature }}) as {{ feature }}__count,
        round(avg({{ feature }}), 9) as {{ feature }}__mean,
        round(stddev_pop({{ feature }}), 9) as {{ feature }}__stddev,
        min({{ feature }}) as {{ feature }}__min,
        max({{ feature }}) as {{ feature }}__max{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro pivoted_statistics(features) -%}
    {#- From int_feature_statistics rows, one `<feature>__mean` and `<feature>__stddev` column each. -#}
    {%- for feature in features %}
        max(feature_mean) filter (where feature_name = '{{ feature }}') as {{ feature }}__mean,
        max(feature_stddev) filter (where feature_name = '{{ feature }}') as {{ feature }}__stddev
        {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro zscore_columns(features, values_relation, statistics_relation) -%}
    {#- One `<feature>_z` column per feature, from pivoted_statistics() columns. -#}
    {%- for feature in features %}
        {{ zscore(
            values_relation ~ '.' ~ feature,
            statistics_relation ~ '.' ~ feature ~ '__mean',
            statistics_relation ~ '.' ~ feature ~ '__stddev'
        ) }} as {{ feature }}_z{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro categorical_encoding_value() -%}
    {#- The value of a categorical indicator when the customer has that category:
        categorical_feature_weight / sqrt(2), so that customers in different categories are
        categorical_feature_weight apart (two indicators differ). -#}
    {%- set weight = var('categorical_feature_weight') -%}
    {%- if weight is not number or weight <= 0 -%}
        {{ exceptions.raise_compiler_error(
            "Var 'categorical_feature_weight' must be a positive number, got: " ~ weight
        ) }}
    {%- endif -%}
    ({{ weight }} / sqrt(2))
{%- endmacro %}


{% macro feature_vector(customers, parameters) -%}
    {#- Per customer, the point its base is segmented in, as one list in the order of
        int_segment_dimensions: its numeric features (z-scores with the space's mean and
        standard deviation, or raw values when its scaling is 'none'), then for each
        categorical feature one indicator per value of the space. `parameters` holds the
        space per base: `<feature>__mean`, `<feature>__stddev`, `<feature>__levels`,
        `<feature>__encoding` and `scaling`. -#}
    case {{ customers }}.customer_base
        {%- for base in customer_bases() %}
        when '{{ base }}' then list_concat(
            [
                {%- for feature in segment_features(base) %}
                case
                    when {{ parameters }}.scaling = 'standard' then {{ zscore(
                        customers ~ '.' ~ feature,
                        parameters ~ '.' ~ feature ~ '__mean',
                        parameters ~ '.' ~ feature ~ '__stddev'
                    ) }}
                    else {{ customers }}.{{ feature }}
                end::double{{ "," if not loop.last }}
                {%- endfor %}
            ]::double[]
            {%- for feature in categorical_segment_features(base) %},
            list_transform(
                {{ parameters }}.{{ feature }}__levels,
                lambda level: case
                    when {{ customers }}.{{ feature }}::varchar = level then {{ parameters }}.{{ feature }}__encoding
                    else 0.0
                end
            )
            {%- endfor %}
        )
        {%- endfor %}
    end
{%- endmacro %}
