{#- Models land in the schema named in dbt_project.yml (staging, marts, analytics, ...)
    rather than dbt's default <target>_<schema>: analysts read `analytics.*`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
