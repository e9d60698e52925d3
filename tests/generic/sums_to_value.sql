{% test sums_to_value(model, column_name, group_by, expected=1, tolerance=0.000001) %}
    {#- Within every group the column sums to the expected value (e.g. shares sum to 1). -#}
select
    {{ group_by | join(', ') }},
    sum({{ column_name }}) as total
from {{ model }}
group by {{ group_by | join(', ') }}
having abs(sum({{ column_name }}) - {{ expected }}) > {{ tolerance }}
{% endtest %}
