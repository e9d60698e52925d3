-- One row per customer base, segment and attribute (every column the base maps, its order
-- behaviour included), and for a categorical attribute per value among the segment's five
-- most common: how the segment looks on everything kept, segmented on or not. Numeric rows
-- give the segment's mean and median beside the base's mean; categorical rows the value's
-- share in the segment beside its share in the base, and their ratio (lift).
{%- set registry = customer_base_registry() %}

with

assignments as (
    select
        customer_base,
        customer_id,
        segment_id
    from {{ ref('int_customers_assigned') }}
),

customers as (
    select * from {{ ref('int_customers_enriched') }}
),

segmented as not materialized (
    select
        customers.*,
        assignments.segment_id
    from customers
    inner join assignments
        on
            customers.customer_base = assignments.customer_base
            and customers.customer_id = assignments.customer_id
),

categorical_values as (
    {%- for base, entry in registry.items() %}
    {%- for column in entry.categorical_columns %}
    select
        customer_base,
        segment_id,
        '{{ column }}' as attribute_name,
        {{ column }}::varchar as attribute_value,
        {{ 'true' if column in entry.categorical_features else 'false' }} as is_segment_feature
    from segmented
    where customer_base = '{{ base }}' and {{ column }} is not null
    union all
    {%- endfor %}
    {%- endfor %}
    select
        null::varchar as customer_base,
        null::integer as segment_id,
        null::varchar as attribute_name,
        null::varchar as attribute_value,
        null::boolean as is_segment_feature
    where false
),

numeric_values as not materialized (
    {%- for base, entry in registry.items() %}
    {%- for column in entry.numeric_columns + (behaviour_features() if entry.orders else []) %}
    select
        customer_base,
        segment_id,
        '{{ column }}' as attribute_name,
        {{ column }}::double as attribute_number,
        {{ 'true' if column in entry.features else 'false' }} as is_segment_feature
    from segmented
    where customer_base = '{{ base }}' and {{ column }} is not null
    union all
    {%- endfor %}
    {%- endfor %}
    select
        null::varchar as customer_base,
        null::integer as segment_id,
        null::varchar as attribute_name,
        null::double as attribute_number,
        null::boolean as is_segment_feature
    where false
),

value_counts as (
    select
        customer_base,
        segment_id,
        attribute_name,
        attribute_value,
        is_segment_feature,
        count(*) as customer_count
    from categorical_values
    group by all
),

value_shares as (
    select
        *,
        customer_count / sum(customer_count) over (
            partition by customer_base, segment_id, attribute_name
        ) as value_share,
        sum(customer_count) over (partition by customer_base, attribute_name, attribute_value)
        / sum(customer_count) over (partition by customer_base, attribute_name) as base_value_share,
        row_number() over (
            partition by customer_base, segment_id, attribute_name
            order by customer_count desc, attribute_value asc
        ) as value_rank
    from value_counts
),

categorical_rows as (
    select
        customer_base,
        segment_id,
        attribute_name,
        'categorical' as attribute_kind,
        attribute_value,
        value_rank,
        customer_count,
        round(value_share, 9) as value_share,
        round(base_value_share, 9) as base_value_share,
        round(value_share / base_value_share, 6) as lift,
        null::double as mean_value,
        null::double as median_value,
        null::double as base_mean_value,
        is_segment_feature
    from value_shares
    where value_rank <= 5
),

numeric_means as (
    select
        customer_base,
        segment_id,
        attribute_name,
        any_value(is_segment_feature) as is_segment_feature,
        count(*) as customer_count,
        sum(attribute_number) as value_sum
    from numeric_values
    group by customer_base, segment_id, attribute_name
),

-- Exact medians from value counts: median() would hold every customer's values in memory.
numeric_medians as (
    {{ exact_medians('numeric_values', ['customer_base', 'segment_id', 'attribute_name'], ['attribute_number']) }}
),

numeric_rows as (
    select
        numeric_means.customer_base,
        numeric_means.segment_id,
        numeric_means.attribute_name,
        'numeric' as attribute_kind,
        null::varchar as attribute_value,
        null::bigint as value_rank,
        numeric_means.customer_count,
        null::double as value_share,
        null::double as base_value_share,
        null::double as lift,
        round(numeric_means.value_sum / numeric_means.customer_count, 6) as mean_value,
        round(numeric_medians.median_attribute_number, 6) as median_value,
        round(
            sum(numeric_means.value_sum) over (partition by numeric_means.customer_base, numeric_means.attribute_name)
            / sum(numeric_means.customer_count) over (
                partition by numeric_means.customer_base, numeric_means.attribute_name
            ),
            6
        ) as base_mean_value,
        numeric_means.is_segment_feature
    from numeric_means
    left join numeric_medians
        on
            numeric_means.customer_base = numeric_medians.customer_base
            and numeric_means.segment_id = numeric_medians.segment_id
            and numeric_means.attribute_name = numeric_medians.attribute_name
),

unioned as (
    select * from numeric_rows
    union all
    select * from categorical_rows
),

final as (
    select
        customer_base,
        segment_id,
        {{ segment_key('customer_base', 'segment_id') }} as segment_key,
        attribute_name,
        attribute_kind,
        attribute_value,
        value_rank,
        customer_count,
        value_share,
        base_value_share,
        lift,
        mean_value,
        median_value,
        base_mean_value,
        is_segment_feature
    from unioned
)

select * from final
