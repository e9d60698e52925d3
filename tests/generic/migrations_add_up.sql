{% test migrations_add_up(model) %}
    {#- Per base, the latest run's migrations account for every customer of both runs: the
        `to` side adds up to the base's customers in customer_segments, and the `from` side to
        the `to` side of the base's previous run in this table (0 for its first run). Returns
        the bases where either does not hold. -#}
with

latest as (
    select max(run_number) as run_number from {{ model }}
),

sides as (
    select
        customer_base,
        run_number,
        sum(customer_count) filter (where to_segment_id is not null) as to_count,
        sum(customer_count) filter (where from_segment_id is not null) as from_count
    from {{ model }}
    group by customer_base, run_number
),

previous_sides as (
    select
        customer_base,
        run_number,
        lag(to_count) over (partition by customer_base order by run_number) as previous_to_count,
        to_count,
        from_count
    from sides
),

segmented as (
    select
        customer_base,
        count(*) as customer_count
    from {{ ref('customer_segments') }}
    group by customer_base
)

select
    previous_sides.customer_base,
    previous_sides.to_count,
    segmented.customer_count,
    previous_sides.from_count,
    previous_sides.previous_to_count
from previous_sides
inner join latest
    on previous_sides.run_number = latest.run_number
full outer join segmented
    on previous_sides.customer_base = segmented.customer_base
where
    coalesce(previous_sides.to_count, 0) != coalesce(segmented.customer_count, 0)
    or coalesce(previous_sides.from_count, 0) != coalesce(previous_sides.previous_to_count, 0)
{% endtest %}
