-- One row per customer base and segment: the distance to the centroid beyond which a customer
-- of the segment is an outlier, the `outlier_distance_quantile` quantile of the segment's
-- distances (interpolated linearly between the two nearest ranks, as quantile_cont does).
-- An exact quantile aggregate holds every distance of a segment in memory at once (800 MB at
-- 100M customers); here the two ranks the quantile needs are found from counts instead, and
-- only the distances near them are ever held:
--   1. each segment's distances are counted in 65,536 equal-width bins between its smallest
--      and largest distance;
--   2. running totals over the bins give the rank of each bin's first distance, so the bins
--      holding the two wanted ranks are known;
--   3. only the distances in those bins are sorted, to read the values at the two ranks.
-- Every step is a grouped aggregate or a small sort, the same on every run.
{%- set bin_count = 65536 %}
with

-- Read three times (a scan of two narrow columns each): recomputed rather than materialised.
distances as not materialized (
    select
        customer_base,
        segment_id,
        distance_to_centroid as distance
    from {{ ref('int_customers_assigned') }}
),

-- The (0-based) rank the quantile sits at: between floor(position) and ceil(position).
segments as (
    select
        customer_base,
        segment_id,
        min(distance) as smallest_distance,
        max(distance) as largest_distance,
        (count(*) - 1)::double * {{ outlier_quantile() }}::double as quantile_position
    from distances
    group by customer_base, segment_id
),

binned as not materialized (
    select
        distances.customer_base,
        distances.segment_id,
        distances.distance,
        coalesce(
            least(
                floor(
                    (distances.distance - segments.smallest_distance)
                    / nullif(segments.largest_distance - segments.smallest_distance, 0)
                    * {{ bin_count }}
                ),
                {{ bin_count - 1 }}
            ),
            0
        )::integer as bin_number
    from distances
    inner join segments
        on
            distances.customer_base = segments.customer_base
            and distances.segment_id = segments.segment_id
),

bin_counts as (
    select
        customer_base,
        segment_id,
        bin_number,
        count(*) as distance_count
    from binned
    group by customer_base, segment_id, bin_number
),

-- The bins (one, or two neighbours) holding the distances ranked floor and ceil of the
-- position; first_rank is the rank of a bin's smallest distance.
wanted_bins as (
    select
        bins.customer_base,
        bins.segment_id,
        bins.bin_number,
        bins.first_rank,
        segments.quantile_position
    from (
        select
            customer_base,
            segment_id,
            bin_number,
            distance_count,
            sum(distance_count) over (
                partition by customer_base, segment_id order by bin_number
            ) - distance_count as first_rank
        from bin_counts
    ) as bins
    inner join segments
        on
            bins.customer_base = segments.customer_base
            and bins.segment_id = segments.segment_id
    where
        bins.first_rank + bins.distance_count > floor(segments.quantile_position)
        and bins.first_rank <= ceil(segments.quantile_position)
),

-- The wanted bins hold consecutive ranks, from the first rank of the lowest one.
ranked as (
    select
        binned.customer_base,
        binned.segment_id,
        binned.distance,
        wanted_bins.quantile_position,
        min(wanted_bins.first_rank) over (partition by binned.customer_base, binned.segment_id)
        + row_number() over (
            partition by binned.customer_base, binned.segment_id order by binned.distance
        ) - 1 as distance_rank
    from binned
    inner join wanted_bins
        on
            binned.customer_base = wanted_bins.customer_base
            and binned.segment_id = wanted_bins.segment_id
            and binned.bin_number = wanted_bins.bin_number
),

rank_values as (
    select
        customer_base,
        segment_id,
        any_value(quantile_position) as quantile_position,
        max(distance) filter (where distance_rank = floor(quantile_position)) as lower_value,
        max(distance) filter (where distance_rank = ceil(quantile_position)) as upper_value
    from ranked
    group by customer_base, segment_id
),

final as (
    select
        customer_base,
        segment_id,
        lower_value + (upper_value - lower_value)
        * (quantile_position - floor(quantile_position)) as outlier_distance_threshold
    from rank_values
)

select * from final
