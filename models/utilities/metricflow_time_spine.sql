-- One row per day: the calendar MetricFlow joins time dimensions to.
with

days as (
    select unnest(range(date '2020-01-01', date '2031-01-01', interval 1 day))::date as date_day
)

select * from days
