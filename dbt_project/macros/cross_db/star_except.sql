{#- star_except(relation, alias, except): every column of relation, read through alias, but the
    columns in except, in the relation's order. For "latest.* but three columns" where latest
    selects * from relation (columns of except that relation does not have, added downstream,
    are simply not listed).

    Why the DuckDB form: SELECT * EXCLUDE (...) is DuckDB's (Snowflake's too); Databricks
    writes * EXCEPT (...); open-source Spark and the SQL standard have neither, so the default
    lists the relation's columns, read from the database when the model runs (dbt's
    adapter.get_columns_in_relation: the relation must already be built, as it is in a dbt
    build). -#}
{% macro star_except(relation, alias, except) -%}
    {{ return(adapter.dispatch('star_except', 'pvw')(relation, alias, except)) }}
{%- endmacro %}

{% macro duckdb__star_except(relation, alias, except) -%}
    {{ alias }}.*{% if except %} exclude ({{ except | join(', ') }}){% endif %}
{%- endmacro %}

{% macro databricks__star_except(relation, alias, except) -%}
    {{ alias }}.*{% if except %} except ({{ except | join(', ') }}){% endif %}
{%- endmacro %}

{% macro default__star_except(relation, alias, except) -%}
    {%- if not execute -%}
        {{ alias }}.*
    {%- else -%}
        {%- set dropped = except | map('lower') | list -%}
        {%- set kept = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower not in dropped -%}
                {%- do kept.append(alias ~ '.' ~ adapter.quote(column.name)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if not kept -%}
            {{ exceptions.raise_compiler_error(
                "star_except: no columns found in " ~ relation ~ " (is it built?)") }}
        {%- endif -%}
        {{ kept | join(', ') }}
    {%- endif -%}
{%- endmacro %}
