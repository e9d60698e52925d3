-- Mean and population standard deviation of every candidate feature over the valid
-- customers of each base: the parameters of the standardisation (StandardScaler's).
with

valid_customers as (
    select
        customer_base,
        {{ candidate_features() | join(',\n        ') }}
    from {{ ref('int_customers_enriched') }}
),

aggregated as (
    select
        customer_base,
        {{ feature_aggregates(candidate_features()) }}
    from valid_customers
    group by customer_base
),

unpivoted as (
    {%- for feature in candidate_features() %}
        select
            customer_base,
            '{{ feature }}' as feature_name,
            {{ loop.index }} as feature_position,
            {{ feature }}__count as value_count,
            {{ feature }}__mean as feature_mean,
            {{ feature }}__stddev as feature_stddev,
            {{ feature }}__min as feature_min,
            {{ feature }}__max as feature_max
        from aggregated
        where {{ feature }}__count > 0
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from unpivoted
