{#- median_value(expr): the median (the mean of the two middle values for an even count), as an
    aggregate or, with OVER, a window aggregate over a frame (data_sharing_volumes: the median
    of the previous twelve months).

    Why the DuckDB form: DuckDB's median() is an ordinary aggregate that takes a window frame.
    Spark's percentile(expr, 0.5) interpolates the same way and also takes a frame. The SQL
    standard's percentile_cont(0.5) WITHIN GROUP (ORDER BY expr) is the default, but engines
    such as PostgreSQL do not accept it with OVER: data_sharing_volumes would need a self-join
    there. -#}
{% macro median_value(expr) -%}
    {{ return(adapter.dispatch('median_value', 'pvw')(expr)) }}
{%- endmacro %}

{% macro duckdb__median_value(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro spark__median_value(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{% macro default__median_value(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}
