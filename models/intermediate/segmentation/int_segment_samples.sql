-- One row per customer of each base's fitting sample: the first segment_sample_size
-- customers of the base in a fixed pseudo-random order (a hash of the id and random_seed,
-- then the id), or the whole base when it is smaller. KMeans is fitted on these rows only, so
-- the Python models' memory does not grow with the file; each base's sample is a top-N query,
-- which holds only the sample in memory.
with

customers as not materialized (
    select
        customer_base,
        customer_id,
        feature_vector,
        age_z,
        annual_income_usd_z,
        spending_score_z
    from {{ ref('int_customers_featurized') }}
),

sampled as (
    {{ fitting_sample('customers') }}
),

final as (
    select
        customer_base,
        customer_id,
        feature_vector,
        age_z,
        annual_income_usd_z,
        spending_score_z,
        row_number() over (partition by customer_base order by customer_id) as sample_position
    from sampled
)

select * from final
