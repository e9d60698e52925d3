-- Every raw loyalty membership row, with the names of the validation rules it fails.
-- Memberships joined after the cutoff (var orders_cutoff_date; unset: the run's date, UTC)
-- are in the future.
{%- set cutoff = cutoff_date() %}
with

memberships as (
    select * from {{ ref('stg_customer_bases__loyalty_members') }}
),

known_customers as (
    select
        customer_base,
        customer_id,
        is_customer_valid
    from {{ ref('int_customer_ids_resolved') }}
),

-- A customer holds one membership: the first row in read order counts.
numbered_memberships as (
    select
        *,
        row_number() over (
            partition by customer_base, customer_id
            order by source_row_number
        ) as membership_copy_number
    from memberships
),

checked as (
    select
        numbered_memberships.*,
        concat_ws(
            ', ',
            case when numbered_memberships.is_ragged_row then 'ragged_row' end,
            case
                when
                    numbered_memberships.customer_id is null
                    or numbered_memberships.joined_date_text is null
                    or numbered_memberships.loyalty_tier is null
                    then 'missing_required_value'
            end,
            case
                when numbered_memberships.joined_date_text is not null and numbered_memberships.joined_date is null
                    then 'unparseable_value'
            end,
            case when not isfinite(numbered_memberships.joined_date) then 'non_finite_value' end,
            case when numbered_memberships.joined_date > {{ cutoff }} then 'future_join_date' end,
            case
                when numbered_memberships.customer_id is not null and known_customers.customer_id is null
                    then 'unknown_customer'
            end,
            case when not known_customers.is_customer_valid then 'customer_rejected' end,
            case
                when numbered_memberships.customer_id is not null and numbered_memberships.membership_copy_number > 1
                    then 'duplicate_membership'
            end
        ) as failed_rules
    from numbered_memberships
    left join known_customers
        on
            numbered_memberships.customer_base = known_customers.customer_base
            and numbered_memberships.customer_id = known_customers.customer_id
),

final as (
    select
        source_name,
        source_file,
        source_row_number,
        customer_base,
        customer_id,
        loyalty_tier,
        failed_rules,
        {{ raw_record_json('loyalty_members') }} as raw_record,
        failed_rules = '' as is_valid,
        joined_date
    from checked
)

select * from final
