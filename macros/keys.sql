{% macro segment_key(customer_base, segment_id) -%}
    {#- One text key per segment across bases, e.g. 'mall-3': what BI tools join on. -#}
    {{ customer_base }} || '-' || {{ segment_id }}::varchar
{%- endmacro %}
