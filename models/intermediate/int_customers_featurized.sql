-- One row per valid customer of each base: every enriched column plus a z-score per
-- candidate feature, standardised within the customer's base (StandardScaler's formula).
-- A view: the z-scores are cheap to compute where they are read, and not writing every
-- customer once more saves the widest table of the build.
{{ config(materialized='view') }}

with

enriched_customers as (
    select * from {{ ref('int_customers_enriched') }}
),

feature_statistics as (
    select
        customer_base,
        feature_name,
        feature_mean,
        feature_stddev
    from {{ ref('int_feature_statistics') }}
),

statistics_by_base as (
    select
        customer_base,
        {{ pivoted_statistics(candidate_features()) }}
    from feature_statistics
    group by customer_base
),

standardised as (
    select
        enriched_customers.*,
        {{ zscore_columns(candidate_features(), 'enriched_customers', 'statistics_by_base') }}
    from enriched_customers
    left join statistics_by_base
        on enriched_customers.customer_base = statistics_by_base.customer_base
)

select * from standardised
