{% macro exact_medians(relation, group_columns, value_columns) -%}
    {#- One row per group of `relation`: `median_<column>` for each value column, equal to
        DuckDB's median() (the middle value, or halfway between the two middle values;
        nulls ignored). Computed from the count of each distinct value, so the memory it
        needs is that of the distinct values and every step can spill to disk, where
        median() holds every value of a group in memory at once. -#}
    {%- set groups = group_columns | join(', ') -%}
    with

    value_counts as (
        {%- for column in value_columns %}
            select
                {{ groups }},
                '{{ column }}' as value_name,
                {{ column }}::double as value,
                count(*) as value_count
            from {{ relation }}
            where {{ column }} is not null
            group by {{ groups }}, {{ column }}
            {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    ),

    running_counts as (
        select
            *,
            sum(value_count) over (partition by {{ groups }}, value_name order by value) as running_count,
            sum(value_count) over (partition by {{ groups }}, value_name) as total_count
        from value_counts
    ),

    middles as (
        select
            {{ groups }},
            value_name,
            min(value) filter (where running_count >= (total_count + 1) // 2) as lower_middle,
            min(value) filter (where running_count >= total_count // 2 + 1) as upper_middle
        from running_counts
        group by {{ groups }}, value_name
    )

    select
        {{ groups }},
        {%- for column in value_columns %}
            any_value(lower_middle + (upper_middle - lower_middle) * 0.5) filter (
                where value_name = '{{ column }}'
            ) as median_{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from middles
    group by {{ groups }}
{%- endmacro %}
