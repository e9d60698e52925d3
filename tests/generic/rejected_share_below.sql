{% test rejected_share_below(model, column_name, max_value, rejected_model) %}
    {#- Every source's rejected share (the column) is at most max_value. A failing row names
        the source, its share, the threshold and its three most frequent rules with their
        counts, so the failure says what to fix (run_pipeline.py prints these rows). -#}
with

rule_counts as (
    select
        source_name,
        rule_name,
        count(*) as rule_row_count
    from (
        select
            source_name,
            unnest(string_split(failed_rules, ', ')) as rule_name
        from {{ rejected_model }}
    ) as rules
    where rule_name != 'customer_rejected'
    group by source_name, rule_name
),

top_rules as (
    select
        source_name,
        string_agg(
            rule_name || ' (' || rule_row_count || ' rows)', ', '
            order by rule_row_count desc, rule_name
        ) filter (where rule_rank <= 3) as top_rules
    from (
        select
            *,
            row_number() over (
                partition by source_name order by rule_row_count desc, rule_name
            ) as rule_rank
        from rule_counts
    ) as ranked
    group by source_name
)

select
    shares.source_name,
    round(shares.{{ column_name }}, 4) as rejected_share,
    {{ max_value }} as threshold,
    top_rules.top_rules,
    'Source ' || shares.source_name || ' rejects ' || round(100 * shares.{{ column_name }}, 1)
    || '% of its rows for faults of their own, above the threshold of '
    || round(100 * {{ max_value }}, 1) || '%; most frequent rules: '
    || coalesce(top_rules.top_rules, 'none') || ' (see rejected_rows).' as message
from {{ model }} as shares
left join top_rules
    on shares.source_name = top_rules.source_name
where shares.{{ column_name }} > {{ max_value }}
{% endtest %}
