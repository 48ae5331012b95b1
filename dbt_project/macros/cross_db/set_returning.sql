{#- Expressions that return one row per element, for the SELECT list (one output row per
    element, the other columns repeated). Use each alone as a select item: Spark does not allow
    a generator inside another expression.

      month_series(start, stop, step_months)  the dates start, start + step months, ... up to
                                              stop (inclusive), as DATE
      split_to_rows(text, delimiter)          the pieces of text between the delimiters;
                                              delimiter is plain text, not a quoted literal

    Why the DuckDB form: unnest(generate_series(...)) and unnest(string_split(...)) are
    DuckDB's list functions; Spark spells them explode(sequence(...)) and explode(split(...))
    (split takes a regular expression there: the delimiter is escaped), PostgreSQL
    generate_series and unnest(string_to_array(...)). The SQL standard has no such generator
    in the SELECT list. -#}
{% macro month_series(start, stop, step_months) -%}
    {{ return(adapter.dispatch('month_series', 'pvw')(start, stop, step_months)) }}
{%- endmacro %}

{% macro duckdb__month_series(start, stop, step_months) -%}
    cast(unnest(generate_series(
        cast({{ start }} as timestamp),
        cast({{ stop }} as timestamp),
        to_months({{ step_months }})
    )) as date)
{%- endmacro %}

{% macro spark__month_series(start, stop, step_months) -%}
    explode(sequence(
        cast({{ start }} as date),
        cast({{ stop }} as date),
        make_interval(0, cast({{ step_months }} as int))
    ))
{%- endmacro %}

{% macro default__month_series(start, stop, step_months) -%}
    cast(generate_series(
        cast({{ start }} as timestamp),
        cast({{ stop }} as timestamp),
        ({{ step_months }}) * interval '1 month'
    ) as date)
{%- endmacro %}

{% macro split_to_rows(text, delimiter) -%}
    {{ return(adapter.dispatch('split_to_rows', 'pvw')(text, delimiter)) }}
{%- endmacro %}

{% macro duckdb__split_to_rows(text, delimiter) -%}
    unnest(string_split({{ text }}, {{ sql_string_literal(delimiter) }}))
{%- endmacro %}

{% macro spark__split_to_rows(text, delimiter) -%}
    explode(split({{ text }}, {{ sql_string_literal(modules.re.escape(delimiter)) }}))
{%- endmacro %}

{% macro default__split_to_rows(text, delimiter) -%}
    unnest(string_to_array({{ text }}, {{ sql_string_literal(delimiter) }}))
{%- endmacro %}
