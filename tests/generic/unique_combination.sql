{% test unique_combination(model, columns) %}
    {#- The columns together form a key: no combination appears twice. -#}
select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
