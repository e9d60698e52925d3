-- One row per customer base and customer id found in the customer files: whether the
-- customer is valid. Orders and memberships check their customer ids against it.
with

customers as (
    select
        customer_base,
        customer_id,
        is_valid
    from {{ ref('int_customers_validated') }}
    where customer_id is not null
),

-- An id is valid only if every row with that id is (a duplicated id is rejected everywhere).
resolved as (
    select
        customer_base,
        customer_id,
        bool_and(is_valid) as is_customer_valid
    from customers
    group by customer_base, customer_id
)

select * from resolved
