{#- try_cast_as(expr, type): expr cast to type, NULL (never an error) when the text is not a
    value of that type. The DfE publishes withheld figures as letters ('c', 'x', 'z') in
    numeric columns: they must become NULL, not stop the build.

    Why the DuckDB form: dbt.safe_cast has no DuckDB implementation and falls back to a plain
    cast, which fails on 'c'; DuckDB's own try_cast is the safe one. Spark 3.2+ and Databricks
    have try_cast too (dbt-spark's safe_cast is a plain cast, which fails under ANSI mode).
    Any other engine: dbt.safe_cast, the adapter's own safe cast (safe_cast on BigQuery,
    try_cast on Snowflake); where that is a plain cast, a letter fails the build instead of
    becoming NULL. -#}
{% macro try_cast_as(expr, type) -%}
    {{ return(adapter.dispatch('try_cast_as', 'pvw')(expr, type)) }}
{%- endmacro %}

{% macro duckdb__try_cast_as(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro spark__try_cast_as(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro default__try_cast_as(expr, type) -%}
    {{ dbt.safe_cast(expr, type) }}
{%- endmacro %}
