{# Reads every customer base of the registry (var customer_bases): its seed or its file, one
   row per raw row, under the project's column names. Nothing is filtered here: validation
   happens in int_customers_validated. #}
{{ config(meta={'files': registry_locations('customers')}) }}
with

staged as (
    {{ staged_union('customers') }}
),

-- Every base has the project's own columns (null where it does not map them); a user's own
-- columns come through under the names the registry gives them.
renamed as (
    select
        source_row_number,
        customer_base,
        source_name,
        source_file,
        customer_id,
        {{ normalise_gender('gender') if registry_maps('gender') else "'unknown'" }} as gender,
        -- A missing profession is labelled, not rejected.
        coalesce({{ 'profession' if registry_maps('profession') else 'null' }}, 'Unknown') as profession,
        {%- for column in extra_columns() %}
        {{ column }},
        {%- endfor %}
        raw_record,
        unparseable_columns,
        is_ragged_row,
        {{ numeric_columns_or_null() }},
        {{ 'profession is null' if registry_maps('profession') else 'true' }} as is_profession_missing
    from staged
)

select * from renamed
