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
