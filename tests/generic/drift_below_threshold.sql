{% test drift_below_threshold(model, column_name) %}
    {#- The features of the latest run whose population stability index passes
        var('drift_psi_threshold'): the data has moved away from the model's training sample,
        and it is time to refit. Set to warn in the project. -#}
select
    customer_base,
    feature_name,
    {{ column_name }} as population_stability_index,
    {{ var('drift_psi_threshold') }} as threshold
from {{ model }}
where
    run_number = (select max(run_number) from {{ model }})
    and {{ column_name }} > {{ var('drift_psi_threshold') }}
{% endtest %}
