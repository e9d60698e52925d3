{% test expression_is_true(model, expression) %}
{#- Every row satisfies the boolean SQL expression. -#}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
