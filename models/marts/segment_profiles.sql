-- One row per customer base, segment and attribute (every column the base maps, its order
-- behaviour included), and for a categorical attribute per value among the segment's five
-- most common: how the segment looks on everything kept, segmented on or not. Numeric rows
-- give the segment's mean and median beside the base's mean; categorical rows the value's
-- share in the segment beside its share in the base, and their ratio (lift). A numeric row's
-- standardised mean is the segment's mean in the base's standard deviations (the z-score
-- the words of segment_summary read).
{%- set numeric_columns = candidate_features() %}
{%- set categorical_columns = registry_columns('categorical') %}

with

-- Every valid customer with its segment; read by both unpivots below, recomputed rather than
-- materialised.
segmented as not materialized (
    select
        customer_base,
        customer_id,
        segment_id,
        {{ profiled_columns(numeric_columns, categorical_columns) }}
    from {{ ref('int_customers_assigned') }}
),

segment_names as (
    select distinct
        customer_base,
        segment_id,
        persona_name
    from {{ ref('int_segment_models_in_force') }}
),

feature_statistics as (
    select
        customer_base,
        feature_name,
        feature_mean,
        feature_stddev
    from {{ ref('int_feature_statistics') }}
),

-- One row per customer and attribute with a value (unpivot leaves nulls out, so a base
-- contributes only the columns it maps), in one pass over the customers.
categorical_unpivoted as (
    unpivot (
        select
            customer_base,
            segment_id,
            {{ categorical_columns | join(',\n            ') }}
        from segmented
    )
    on {{ categorical_columns | join(', ') }}
    into name attribute_name value attribute_value
),

numeric_values as not materialized (
    unpivot (
        select
            customer_base,
            segment_id,
            {{ numeric_columns | join(',\n            ') }}
        from segmented
    )
    on {{ numeric_columns | join(', ') }}
    into name attribute_name value attribute_number
),

value_counts as (
    select
        customer_base,
        segment_id,
        attribute_name,
        attribute_value,
        count(*) as customer_count
    from categorical_unpivoted
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
        null::double as base_stddev_value,
        null::double as standardised_mean,
        -- Flagged on the counts, not on every customer's value.
        (customer_base, attribute_name) in ({{ segment_feature_pairs('categorical_features') }})
            as is_segment_feature
    from value_shares
    where value_rank <= 5
),

numeric_means as (
    select
        customer_base,
        segment_id,
        attribute_name,
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
        round(feature_statistics.feature_stddev, 6) as base_stddev_value,
        round(
            (numeric_means.value_sum / numeric_means.customer_count - feature_statistics.feature_mean)
            / nullif(feature_statistics.feature_stddev, 0),
            6
        ) as standardised_mean,
        (numeric_means.customer_base, numeric_means.attribute_name) in ({{ segment_feature_pairs('features') }})
            as is_segment_feature
    from numeric_means
    left join feature_statistics
        on
            numeric_means.customer_base = feature_statistics.customer_base
            and numeric_means.attribute_name = feature_statistics.feature_name
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
        unioned.customer_base,
        unioned.segment_id,
        {{ segment_key('unioned.customer_base', 'unioned.segment_id') }} as segment_key,
        segment_names.persona_name,
        unioned.attribute_name,
        unioned.attribute_kind,
        unioned.attribute_value,
        unioned.value_rank,
        unioned.customer_count,
        unioned.value_share,
        unioned.base_value_share,
        unioned.lift,
        unioned.mean_value,
        unioned.median_value,
        unioned.base_mean_value,
        unioned.base_stddev_value,
        unioned.standardised_mean,
        unioned.is_segment_feature
    from unioned
    inner join segment_names
        on
            unioned.customer_base = segment_names.customer_base
            and unioned.segment_id = segment_names.segment_id
)

select * from final
