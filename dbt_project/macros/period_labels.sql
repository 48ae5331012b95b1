{#- 'Jun 2023' for the month a rolling period ends in (dispatched: month names are
    engine-specific). -#}
{% macro rolling_period_month_label(date_expr) -%}
    {{ return(adapter.dispatch('rolling_period_month_label', 'pvw')(date_expr)) }}
{%- endmacro %}

{% macro default__rolling_period_month_label(date_expr) -%}
    to_char({{ date_expr }}, 'Mon YYYY')
{%- endmacro %}

{% macro duckdb__rolling_period_month_label(date_expr) -%}
    strftime({{ date_expr }}, '%b %Y')
{%- endmacro %}

{% macro spark__rolling_period_month_label(date_expr) -%}
    date_format({{ date_expr }}, 'MMM yyyy')
{%- endmacro %}

{#- True when a catalogue row's space-separated period_types lists the period type. -#}
{% macro catalogue_has_period(period_types, period_type) -%}
    {{ dbt.position(dbt.concat(["' '", period_type, "' '"]),
        dbt.concat(["' '", period_types, "' '"])) }} > 0
{%- endmacro %}

{#- The area code of a partnership's Most Similar Group: 'MSG-' and the partnership's code. -#}
{% macro msg_area_code(partnership_code) -%}
    {{ dbt.concat(["'MSG-'", partnership_code]) }}
{%- endmacro %}

{#- 1 September of a year given as a number (an academic year's start). -#}
{% macro september_first(year_expr) -%}
    cast({{ dbt.concat([dbt.safe_cast(year_expr, dbt.type_string()), "'-09-01'"]) }} as date)
{%- endmacro %}
