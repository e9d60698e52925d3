-- One row per valid customer: the segment and persona, the features, and the evidence of
-- the assignment (distances, confidence margin, outlier flag), the model version that assigned
-- it, and its history: the segment it was in before and the run since which it is in this one.
with

-- Every valid customer with its segment and the distances that put it there.
customers as (
    select
        customer_base,
        customer_id,
        segment_id,
        distance_to_centroid,
        distance_to_next_centroid,
        gender,
        profession,
        age_band,
        income_band,
        spending_band,
        rfm_segment,
        favourite_category,
        {{ attributes_json() }} as attributes_json,
        age,
        annual_income_usd,
        spending_score,
        work_experience_years,
        family_size,
        recency_days,
        order_count,
        monetary_value_usd,
        is_loyalty_member
    from {{ ref('int_customers_assigned') }}
),

personas as (
    select distinct
        customer_base,
        segment_id,
        persona_name,
        model_version
    from {{ ref('int_segment_models_in_force') }}
),

-- Each customer's latest change into a segment: when it entered its segment, and from where
-- (a grouped aggregate, which DuckDB can spill to disk).
latest_changes as (
    select
        customer_base,
        customer_id,
        max(run_number) as run_number,
        arg_max_null(previous_segment_id, run_number) as previous_segment_id
    from {{ ref('int_customer_segment_changes') }}
    where segment_id is not null
    group by customer_base, customer_id
),

-- A customer is an outlier when farther from its centroid than the given quantile of its
-- segment's distances (var outlier_distance_quantile, default 0.95).
outlier_thresholds as (
    select
        customer_base,
        segment_id,
        outlier_distance_threshold
    from {{ ref('int_segment_outlier_thresholds') }}
),

final as (
    select
        customers.customer_base,
        customers.customer_id,
        customers.segment_id,
        latest_changes.previous_segment_id::integer as previous_segment_id,
        {{ segment_key('customers.customer_base', 'customers.segment_id') }} as segment_key,
        personas.persona_name,
        customers.gender,
        customers.profession,
        customers.age_band,
        customers.income_band,
        customers.spending_band,
        customers.rfm_segment,
        customers.favourite_category,
        customers.attributes_json,
        customers.age,
        customers.annual_income_usd,
        customers.spending_score,
        customers.work_experience_years,
        customers.family_size,
        customers.recency_days,
        customers.order_count,
        customers.monetary_value_usd,
        personas.model_version::integer as model_version,
        latest_changes.run_number::integer as segment_since_run_number,
        round(customers.distance_to_centroid, 9) as distance_to_centroid,
        round(customers.distance_to_next_centroid, 9) as distance_to_next_centroid,
        round(
            (customers.distance_to_next_centroid - customers.distance_to_centroid)
            / nullif(customers.distance_to_next_centroid, 0),
            9
        ) as confidence_margin,
        customers.is_loyalty_member,
        customers.distance_to_centroid > outlier_thresholds.outlier_distance_threshold as is_outlier
    from customers
    inner join personas
        on
            customers.customer_base = personas.customer_base
            and customers.segment_id = personas.segment_id
    left join latest_changes
        on
            customers.customer_base = latest_changes.customer_base
            and customers.customer_id = latest_changes.customer_id
    inner join outlier_thresholds
        on
            customers.customer_base = outlier_thresholds.customer_base
            and customers.segment_id = outlier_thresholds.segment_id
)

select * from final
