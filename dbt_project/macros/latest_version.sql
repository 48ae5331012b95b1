{#- The rule "a record sent again counts once, its latest version wins", in one place.
    Use after FROM/WHERE: keeps, per key, the row from the file that arrived last
    (received_at: the landing file's modification time), then the latest file name, then the
    last line. Arrival, not load time: a rebuild loads every file at once, and a corrected
    extract that arrived after a later month's must still win, as it did run by run. Rows
    loaded before received_at was recorded (NULL) rank below every row whose arrival is known.
    keep_null_keys keeps rows whose key is NULL as records of their own
    (police.uk anti-social behaviour has no Crime ID).
    QUALIFY runs on DuckDB, Snowflake, BigQuery and Databricks; an engine without it
    (open-source Spark) gets its own implementation through adapter.dispatch. -#}
{% macro latest_version_filter(key_columns, keep_null_keys=false) -%}
    {{ return(adapter.dispatch('latest_version_filter', 'pvw')(key_columns, keep_null_keys)) }}
{%- endmacro %}

{% macro default__latest_version_filter(key_columns, keep_null_keys) -%}
    qualify
    {%- if keep_null_keys %} {{ key_columns | join(' is null or ') }} is null or{% endif %}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by received_at desc nulls last, source_file desc, source_line desc
    ) = 1
{%- endmacro %}
