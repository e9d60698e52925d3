{% test enough_customers_per_base(model, empty=false) %}
    {#- Every registered base can be segmented into the k asked (segment_k, or segment_k_min
        under `auto`): a failing row names the base, its number of distinct customers (points
        in the segmentation space) and the k asked. With `empty`, the bases that have no
        valid customer at all instead (every row rejected: see rejected_rows), which are not
        segmented. -#}
    {%- set asked_k = var('segment_k') if var('segment_k') is integer else var('segment_k_min') %}
with

bases as (
    {%- for base in customer_bases() %}
    select '{{ base }}' as customer_base
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

counted as (
    select
        customer_base,
        count(distinct feature_vector) as distinct_customer_count
    from {{ model }}
    group by customer_base
),

compared as (
    select
        bases.customer_base,
        coalesce(counted.distinct_customer_count, 0) as distinct_customer_count,
        {{ asked_k }} as asked_k
    from bases
    left join counted
        on bases.customer_base = counted.customer_base
)

select
    customer_base,
    distinct_customer_count,
    asked_k,
    {%- if empty %}
    'Base ' || customer_base || ' has no valid customer: every row was rejected (see rejected_rows); it is not segmented.' as message
    {%- else %}
    'Base ' || customer_base || ' has ' || distinct_customer_count || ' distinct customers to segment, fewer than the '
    || asked_k || ' segments asked (segment_k / segment_k_min): lower k or add customers.' as message
    {%- endif %}
from compared
where
    {%- if empty %}
    distinct_customer_count = 0
    {%- else %}
    distinct_customer_count > 0 and distinct_customer_count < asked_k
    {%- endif %}
{% endtest %}
