{#- Type names that differ between engines.

    type_double(): the engine's 8-byte float. Not dbt.type_float(): on DuckDB that renders
    FLOAT, a 4-byte REAL. 'double precision' is the SQL standard's name and DuckDB's alias of
    DOUBLE (the same type, so the figures do not change); Spark SQL has no 'double precision'
    and BigQuery calls it float64. The statistics macros' stats_double_type() returns it. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'pvw')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}
{% macro bigquery__type_double() -%}float64{%- endmacro %}
{% macro spark__type_double() -%}double{%- endmacro %}
{% macro databricks__type_double() -%}double{%- endmacro %}
