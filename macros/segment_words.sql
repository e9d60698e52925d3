{#- Words for a segment's profile against its base, and the rules that recommend actions.
    The cut-offs are the ones segment names use (segmentation/naming.py): a numeric attribute
    whose segment mean is at least 0.5 base standard deviations from the base mean is high or
    low, at least 1.5 very high or very low; a category is distinctive at a lift of 1.5 held by
    at least 40% of the segment. Documented in the README ("Names, descriptions and actions"). -#}

{% macro distinctive_z() %}0.5{% endmacro %}

{% macro very_z() %}1.5{% endmacro %}

{% macro distinctive_lift() %}1.5{% endmacro %}

{% macro min_category_share() %}0.4{% endmacro %}

{#- How an attribute is said: the project's own names by a fixed label, any other column by
    its name without a unit suffix, underscores as spaces (total_spend_usd: total spend). -#}
{% macro attribute_label(attribute_name) -%}
    case {{ attribute_name }}
        when 'annual_income_usd' then 'income'
        when 'spending_score' then 'spending score'
        when 'monetary_value_usd' then 'spend'
        when 'work_experience_years' then 'work experience'
        when 'recency_days' then 'days since the last order'
        when 'order_count' then 'orders'
        when 'family_size' then 'family size'
        else replace(regexp_replace({{ attribute_name }}, '_(usd|years|days|count|pct|percent)$', ''), '_', ' ')
    end
{%- endmacro %}

{#- A number in its unit: dollars for *_usd columns, else one decimal. -#}
{% macro attribute_amount(attribute_name, value) -%}
    case
        when {{ attribute_name }} like '%\_usd' escape '\' then '$' || format('{:,}', round({{ value }})::bigint)
        else format('{:.1f}', {{ value }})
    end
{%- endmacro %}

{#- The level word of a standardised segment mean: very low, low, average, high, very high. -#}
{% macro profile_level(z) -%}
    case
        when {{ z }} is null then null
        when {{ z }} >= {{ very_z() }} then 'very high'
        when {{ z }} >= {{ distinctive_z() }} then 'high'
        when {{ z }} <= -{{ very_z() }} then 'very low'
        when {{ z }} <= -{{ distinctive_z() }} then 'low'
        else 'average'
    end
{%- endmacro %}

{#- e.g. 'high income ($87,000 vs $60,560 in the base)'. -#}
{% macro numeric_phrase(attribute_name, z, mean_value, base_mean_value) -%}
    {{ profile_level(z) }} || ' ' || {{ attribute_label(attribute_name) }}
    || ' (' || {{ attribute_amount(attribute_name, mean_value) }}
    || ' vs ' || {{ attribute_amount(attribute_name, base_mean_value) }} || ' in the base)'
{%- endmacro %}

{#- e.g. 'profession Healthcare for 52% (18% in the base)'. -#}
{% macro category_phrase(attribute_name, attribute_value, value_share, base_value_share) -%}
    {{ attribute_label(attribute_name) }} || ' ' || {{ attribute_value }}
    || ' for ' || round(100 * {{ value_share }})::integer || '% ('
    || round(100 * {{ base_value_share }})::integer || '% in the base)'
{%- endmacro %}

{#- The age of a segment in words, by its mean age (under 35 young adults, 35-54 middle-aged,
    55 and over older) and against its base (younger / older at 0.5 base standard
    deviations), e.g. 'Middle-aged, older than the base (mean age 52 vs 39)'. -#}
{% macro age_phrase(mean_age, age_z, base_mean_age) -%}
    case
        when {{ mean_age }} < 35 then 'Young adults'
        when {{ mean_age }} < 55 then 'Middle-aged'
        else 'Older customers'
    end
    || case
        when {{ age_z }} <= -{{ distinctive_z() }} then ', younger than the base'
        when {{ age_z }} >= {{ distinctive_z() }} then ', older than the base'
        else ', about the base''s age'
    end
    || ' (mean age ' || round({{ mean_age }})::integer || ' vs ' || round({{ base_mean_age }})::integer || ')'
{%- endmacro %}

{#- The four recommendations of a segment whose catalog persona does not hold, by rules over
    its profile (levels as above; value index as in segment_summary). -#}
{% macro rule_marketing_channel(mean_age) -%}
    case
        when {{ mean_age }} is null then 'Personalised email campaigns built around the traits that set the segment apart.'
        when {{ mean_age }} < 35 then 'Social media and app messages timed around launches and flash sales.'
        when {{ mean_age }} < 55 then 'Personalised email campaigns with seasonal social media posts.'
        else 'Personal email and printed mailers to the home address, backed by in-store staff.'
    end
{%- endmacro %}

{% macro rule_product_strategy(income_z, spend_z, value_index) -%}
    case
        when {{ income_z }} >= {{ distinctive_z() }} and {{ spend_z }} >= {{ distinctive_z() }}
            then 'Lead with premium lines, limited editions and upsells.'
        when {{ income_z }} >= {{ distinctive_z() }} and {{ spend_z }} <= -{{ distinctive_z() }}
            then 'Highlight durable quality, long-term value and exclusive memberships rather than discounts.'
        when {{ income_z }} <= -{{ distinctive_z() }} and {{ spend_z }} >= {{ distinctive_z() }}
            then 'Offer trendy low-cost items, flash sales and small add-ons.'
        when {{ income_z }} <= -{{ distinctive_z() }} and {{ spend_z }} <= -{{ distinctive_z() }}
            then 'Focus on affordable bundles, essentials and value-for-money promotions.'
        when {{ spend_z }} >= {{ distinctive_z() }} or {{ value_index }} >= 1.2
            then 'Upsell premium versions and complementary products.'
        when {{ spend_z }} <= -{{ distinctive_z() }} or {{ value_index }} <= 0.8
            then 'Lower the entry price with starter bundles and value packs.'
        else 'Market mid-tier products and bundles around seasonal events.'
    end
{%- endmacro %}

{% macro rule_engagement_action(recency_z, frequency_z, spend_z, value_index) -%}
    case
        when {{ recency_z }} >= {{ distinctive_z() }}
            then 'Win them back with a time-limited personal offer before they lapse for good.'
        when {{ frequency_z }} >= {{ distinctive_z() }} or {{ value_index }} >= 1.2
            then 'Invite them to a top loyalty tier with exclusive events so they stay.'
        when {{ spend_z }} <= -{{ distinctive_z() }} or {{ value_index }} <= 0.8
            then 'Send a personal next-purchase offer to build a spending habit.'
        else 'Send seasonal offers and a loyalty points reminder after each purchase.'
    end
{%- endmacro %}

{#- What to do with the segment's share of the marketing budget, by its value index. -#}
{% macro resource_allocation(value_index, budget_share, value_measure) -%}
    case
        when {{ value_index }} >= 1.2 then 'Invest: '
        when {{ value_index }} <= 0.8 then 'Economise: '
        else 'Maintain: '
    end
    || round(100 * {{ budget_share }}, 1) || '% of the marketing budget (value index '
    || round({{ value_index }}, 2) || ' by ' || {{ value_measure }} || ').'
{%- endmacro %}
