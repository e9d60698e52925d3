{% macro candidate_features() %}
    {#- Numeric customer features that can be standardised and chosen for segmentation. -#}
    {{ return([
        'age',
        'annual_income_usd',
        'spending_score',
        'work_experience_years',
        'family_size',
        'recency_days',
        'order_count',
        'monetary_value_usd',
    ]) }}
{% endmacro %}


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
