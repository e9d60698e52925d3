{% test not_null_where_kept(model, column_name) %}
{#- The column has a value on every row of the bases that require it or are segmented on it
    (registry `required`, `features`, `categorical_features`); other bases may leave it empty. -#}
select
    customer_base,
    {{ column_name }}
from {{ model }}
where
    {{ column_name }} is null
    and customer_base in ({{ sql_quoted_list(bases_never_missing(column_name)) }})
{% endtest %}
