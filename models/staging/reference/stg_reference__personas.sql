{# Reads the persona_catalog seed: the personas a segment can be named after. #}
with

source as (
    select * from {{ ref('persona_catalog') }}
),

renamed as (
    select
        persona_id,
        trim(persona_name) as persona_name,
        lower(trim(income_level)) as income_level,
        lower(trim(spending_level)) as spending_level,
        lower(trim(age_level)) as age_level,
        trim(description) as description,
        trim(marketing_channel) as marketing_channel,
        trim(product_strategy) as product_strategy,
        trim(engagement_action) as engagement_action,
        prototype_income_z,
        prototype_spending_z,
        prototype_age_z
    from source
)

select * from renamed
