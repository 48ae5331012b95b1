{#- The English financial year (April to March) that a date falls in.
    financial_year_start(d): the 1 April that starts it; financial_year_label(d): '2023/24'.
    Written with dbt's cross-database macros so the project can move engines. -#}
{% macro financial_year_start(date_expr) -%}
    {{ return(adapter.dispatch('financial_year_start', 'pvw')(date_expr)) }}
{%- endmacro %}

{% macro default__financial_year_start(date_expr) -%}
    {{ dbt.dateadd('month', 3, dbt.date_trunc('year', dbt.dateadd('month', -3, date_expr))) }}
{%- endmacro %}

{% macro financial_year_label(date_expr) -%}
    {{ return(adapter.dispatch('financial_year_label', 'pvw')(date_expr)) }}
{%- endmacro %}

{% macro default__financial_year_label(date_expr) -%}
    {%- set fy = "extract(year from " ~ financial_year_start(date_expr) ~ ")" -%}
    {{ dbt.concat([dbt.safe_cast(fy, dbt.type_string()), "'/'",
        dbt.right(dbt.safe_cast(fy ~ " + 1", dbt.type_string()), 2)]) }}
{%- endmacro %}
