{#- sql_string_literal(text): text (a Jinja string, not SQL) as a SQL string literal.

    Why it is dispatched: standard SQL (DuckDB, PostgreSQL) doubles a quote and keeps a
    backslash as it is, so the regular expression [/\\] is written '[/\\]'. Spark SQL reads
    backslash escapes in every string literal ('\.' is '.') and joins adjacent literals
    ('it''s' is 'its'): there a backslash is doubled and a quote escaped as \'. Regular
    expressions go through this macro (macros/cross_db/regex.sql) so that one pattern means
    the same on both. -#}
{% macro sql_string_literal(text) -%}
    {{ return(adapter.dispatch('sql_string_literal', 'pvw')(text)) }}
{%- endmacro %}

{% macro default__sql_string_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__sql_string_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
