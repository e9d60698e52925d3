-- Every raw customer row of every base, with the names of the validation rules it fails.
-- Rows failing no rule go on to the features; the others go to the rejected_rows mart.
-- The rules read the project's own columns (null where a base does not map them, and then
-- they pass); which columns are required and segmented on comes from the registry.
{%- set registry = customer_base_registry() -%}
{#- Every numeric column must be a finite number; those without a range rule of their own
    (work experience, a base's own numeric columns) are bounded by var max_numeric_value. -#}
{%- set non_finite = [] -%}
{%- set implausible = [] -%}
{%- for column in registry_columns('numeric') -%}
    {%- do non_finite.append("not isfinite(" ~ column ~ ")") -%}
    {%- if column not in ['age', 'annual_income_usd', 'spending_score', 'family_size'] -%}
        {%- do implausible.append(
            "(isfinite(" ~ column ~ ") and abs(" ~ column ~ ") > " ~ var('max_numeric_value') ~ ")"
        ) -%}
    {%- endif -%}
{%- endfor -%}
{%- set missing_required = [] -%}
{%- set missing_segment_feature = [] -%}
{%- for base, entry in registry.items() -%}
    {%- for column in entry.required -%}
        {%- do missing_required.append(
            "(customer_base = '" ~ base ~ "' and " ~ column ~ " is null"
            ~ " and not coalesce(list_contains(unparseable_columns, '" ~ column ~ "'), false))"
        ) -%}
    {%- endfor -%}
    {%- for column in entry.features + entry.categorical_features
        if column not in entry.required and column in entry.columns -%}
        {%- do missing_segment_feature.append(
            "(customer_base = '" ~ base ~ "' and " ~ column ~ " is null"
            ~ " and not coalesce(list_contains(unparseable_columns, '" ~ column ~ "'), false))"
        ) -%}
    {%- endfor -%}
{%- endfor %}

with

customers as (
    select * from {{ ref('stg_customer_bases__customers') }}
),

-- The raw rows read a second time for the ids alone (a staging view without the ragged-row
-- check, which does not change an id). Sharing one read of every column between the id
-- counts and the rows would make DuckDB hold every staged row until the counts are done (the
-- join needs them all before it passes a row on): at 10M customers that buffered 3.6 GB and
-- took twice as long as reading the file's ids again.
customer_ids as not materialized (
    select
        customer_base,
        customer_id
    from {{ ref('stg_customer_bases__customer_ids') }}
),

-- Only the ids that occur more than once, found per base (grouped, which DuckDB can spill to
-- disk) and joined back: no window over every row, so the memory this takes does not grow
-- with the file. One aggregate per base: grouping the union of the bases at once ran out of
-- memory at 100M customers within 2 GB, where each base's own aggregate fits.
duplicate_ids as (
    {%- for base in customer_bases() %}
        select
            customer_base,
            customer_id,
            count(*) as customer_id_count
        from customer_ids
        where customer_id is not null and customer_base = '{{ base }}'
        group by customer_base, customer_id
        having count(*) > 1
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

id_counts as (
    select
        customers.*,
        coalesce(duplicate_ids.customer_id_count, 1) as customer_id_count
    from customers
    left join duplicate_ids
        on
            customers.customer_base = duplicate_ids.customer_base
            and customers.customer_id = duplicate_ids.customer_id
),

checked as (
    select
        *,
        concat_ws(
            ', ',
            -- More or fewer fields than the header: the values may sit in the wrong columns.
            case when is_ragged_row then 'ragged_row' end,
            case
                when
                    customer_id is null
                    or {{ missing_required | join('\n                    or ') or 'false' }}
                    then 'missing_required_value'
            end,
            case when len(unparseable_columns) > 0 then 'unparseable_value' end,
            -- NaN and infinities parse as numbers (`nan`, `inf`, `1e309`) but are none.
            case
                when {{ non_finite | join('\n                    or ') }}
                    then 'non_finite_value'
            end,
            case
                when {{ implausible | join('\n                    or ') or 'false' }}
                    then 'implausible_value'
            end,
            case
                when
                    age < {{ var('min_customer_age') }}
                    or age > {{ var('max_customer_age') }}
                    then 'implausible_age'
            end,
            case when annual_income_usd <= 0 then 'non_positive_income' end,
            case
                when annual_income_usd > {{ var('max_annual_income_usd') }}
                    then 'implausible_income'
            end,
            case
                when
                    spending_score < {{ var('min_spending_score') }}
                    or spending_score > {{ var('max_spending_score') }}
                    then 'spending_score_out_of_range'
            end,
            case
                when
                    work_experience_years < 0
                    or work_experience_years > age - {{ var('min_working_age') }}
                    then 'work_experience_impossible_for_age'
            end,
            case
                when
                    family_size < 1
                    or family_size > {{ var('max_family_size') }}
                    then 'family_size_out_of_range'
            end,
            -- Columns a base does not require may be empty, unless it is segmented on them.
            case
                when {{ missing_segment_feature | join('\n                    or ') or 'false' }}
                    then 'missing_segment_feature'
            end,
            case
                when customer_id is not null and customer_id_count > 1
                    then 'duplicate_customer_id'
            end
        ) as failed_rules
    from id_counts
),

final as (
    select
        source_name,
        source_file,
        source_row_number,
        customer_base,
        customer_id,
        gender,
        profession,
        {%- for column in extra_columns() %}
        {{ column }},
        {%- endfor %}
        failed_rules,
        -- The raw values are kept where they are needed, on rejected rows; a valid row's
        -- are its parsed columns (and the staging model has them all).
        if(failed_rules != '', {{ raw_record_json('customers') }}, null) as raw_record,
        age,
        annual_income_usd,
        spending_score,
        work_experience_years,
        family_size,
        is_profession_missing,
        failed_rules = '' as is_valid
    from checked
)

select * from final
