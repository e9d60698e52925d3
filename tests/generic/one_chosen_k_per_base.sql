{% test one_chosen_k_per_base(model) %}
{#- Every customer base has exactly one chosen k. -#}
select
    customer_base,
    count(*) filter (where is_chosen_k) as chosen_count
from {{ model }}
group by customer_base
having count(*) filter (where is_chosen_k) != 1
{% endtest %}
