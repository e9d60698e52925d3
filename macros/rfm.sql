{% macro rfm_segment(recency_score, frequency_score, monetary_score) -%}
    {#- The classic RFM segment from the R score and the mean of the F and M scores (FM).
        Evaluated top-down; customers without orders have null scores. -#}
    case
        when {{ recency_score }} is null then 'No Purchases'
        when {{ recency_score }} >= 4 and ({{ frequency_score }} + {{ monetary_score }}) / 2.0 >= 4 then 'Champions'
        when {{ recency_score }} >= 3 and ({{ frequency_score }} + {{ monetary_score }}) / 2.0 >= 3 then 'Loyal Customers'
        when {{ recency_score }} >= 4 and {{ frequency_score }} = 1 then 'New Customers'
        when {{ recency_score }} >= 4 then 'Potential Loyalists'
        when {{ recency_score }} = 1 and ({{ frequency_score }} + {{ monetary_score }}) / 2.0 >= 4 then 'Cannot Lose Them'
        when {{ recency_score }} <= 2 and ({{ frequency_score }} + {{ monetary_score }}) / 2.0 >= 3 then 'At Risk'
        when {{ recency_score }} <= 2 and ({{ frequency_score }} + {{ monetary_score }}) / 2.0 <= 2 then 'Hibernating'
        else 'Need Attention'
    end
{%- endmacro %}


{% macro quintile_score(rank, total) -%}
    {#- 1-5 score from a peer-inclusive rank (1..total): ceil(5 * rank / total) in integers;
        null where the rank is null (customers without orders are not ranked). -#}
    ((5 * {{ rank }} + {{ total }} - 1) // {{ total }})::integer
{%- endmacro %}
