{#- Day-of-week numbers, which every engine numbers its own way.

      day_of_week_sunday_0(ts)  0 = Sunday, 1 = Monday, ..., 6 = Saturday
      day_of_week_iso(ts)       1 = Monday, ..., 7 = Sunday (ISO 8601)

    Why the DuckDB form: extract(dow ...) and extract(isodow ...) are DuckDB's (and
    PostgreSQL's) fields for exactly these numberings. Spark's extract(DOW ...) and dayofweek
    count 1 = Sunday to 7 = Saturday, and weekday() 0 = Monday to 6 = Sunday, so the same text
    would silently shift every night-time window by a day there. -#}
{% macro day_of_week_sunday_0(ts) -%}
    {{ return(adapter.dispatch('day_of_week_sunday_0', 'pvw')(ts)) }}
{%- endmacro %}

{% macro default__day_of_week_sunday_0(ts) -%}
    extract(dow from {{ ts }})
{%- endmacro %}

{% macro spark__day_of_week_sunday_0(ts) -%}
    (dayofweek({{ ts }}) - 1)
{%- endmacro %}

{% macro day_of_week_iso(ts) -%}
    {{ return(adapter.dispatch('day_of_week_iso', 'pvw')(ts)) }}
{%- endmacro %}

{% macro default__day_of_week_iso(ts) -%}
    extract(isodow from {{ ts }})
{%- endmacro %}

{% macro spark__day_of_week_iso(ts) -%}
    (weekday({{ ts }}) + 1)
{%- endmacro %}
