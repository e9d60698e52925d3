{# Reads the same seeds and files as stg_customer_bases__customers, for their ids alone: the
   duplicate-id counts of int_customers_validated read this view, the rules read that one. #}
{{ config(meta={'files': registry_locations('customers')}) }}
with

-- The records of a CSV file are not counted here: a row's id is the same whether or not the
-- row is ragged, and DuckDB would count every line of the file again for a query of the ids.
staged as (
    {{ staged_union('customers', with_ragged_rows=false) }}
),

ids as (
    select
        source_row_number,
        customer_base,
        source_name,
        source_file,
        customer_id
    from staged
)

select * from ids
