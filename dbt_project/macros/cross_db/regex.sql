{#- Regular expressions. Patterns and replacements are given as Jinja strings (the regular
    expression itself, not a quoted SQL literal: write them in {% set %} blocks, where a
    backslash is just a backslash) and quoted for the engine by sql_string_literal.

      regex_replace(text, pattern, replacement, flags='')
          flags as DuckDB's regexp_replace: 'g' every match (else the first only), 'i' case-
          insensitive. Replacement: \1, \2 for the groups. Spark always replaces every match:
          without 'g', give only patterns that can match once (anchored with ^ or $).
      regex_full_match(text, pattern)
          true when the whole text matches.
      regex_last_match(text, pattern, group, filter_var=none, filter_condition=none)
          the group of the last match (NULL without one); with filter_var and
          filter_condition (SQL over filter_var), the last match that meets the condition.

    Why the DuckDB forms: regexp_replace's flags argument, regexp_full_match and the lists of
    regexp_extract_all (list_last, list_filter with a lambda) are DuckDB's. Spark spells them
    (?i) in the pattern, $1 for a group, rlike, element_at and filter with x -> ...; Spark's
    Java patterns read these expressions as DuckDB's RE2 does (both: [...] classes, {n},
    lazy +?, \s, (?i)). One difference to keep in mind: Java's $ also matches before a final
    line break. Engines with neither form fail to compile regex_last_match, by design. -#}

{% macro regex_replace(text, pattern, replacement, flags='') -%}
    {{ return(adapter.dispatch('regex_replace', 'pvw')(text, pattern, replacement, flags)) }}
{%- endmacro %}

{#- DuckDB and PostgreSQL share regexp_replace(text, pattern, replacement[, flags]). -#}
{% macro default__regex_replace(text, pattern, replacement, flags) -%}
    {%- set arguments = [text, sql_string_literal(pattern), sql_string_literal(replacement)] -%}
    {%- if flags %}{% do arguments.append(sql_string_literal(flags)) %}{% endif -%}
    regexp_replace({{ arguments | join(', ') }})
{%- endmacro %}

{#- Java: (?i) for case-insensitive; $1 for a group, so a literal $ is escaped as \$ -#}
{% macro spark__regex_replace(text, pattern, replacement, flags) -%}
    {%- set java_pattern = ('(?i)' if 'i' in flags else '') ~ pattern -%}
    {%- set java_replacement = modules.re.sub(
        '\\\\([0-9])', '$\\1', replacement | replace('$', '\\$')) -%}
    regexp_replace({{ text }}, {{ sql_string_literal(java_pattern) }},
        {{- ' ' ~ sql_string_literal(java_replacement) }})
{%- endmacro %}

{% macro regex_full_match(text, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'pvw')(text, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_full_match(text, pattern) -%}
    regexp_full_match({{ text }}, {{ sql_string_literal(pattern) }})
{%- endmacro %}

{% macro spark__regex_full_match(text, pattern) -%}
    ({{ text }} rlike {{ sql_string_literal('^(?:' ~ pattern ~ ')\\z') }})
{%- endmacro %}

{% macro default__regex_full_match(text, pattern) -%}
    regexp_like({{ text }}, {{ sql_string_literal('^(?:' ~ pattern ~ ')$') }})
{%- endmacro %}

{% macro regex_last_match(text, pattern, group, filter_var=none, filter_condition=none) -%}
    {{ return(adapter.dispatch('regex_last_match', 'pvw')(
        text, pattern, group, filter_var, filter_condition)) }}
{%- endmacro %}

{% macro duckdb__regex_last_match(text, pattern, group, filter_var, filter_condition) -%}
    {%- set matches = 'regexp_extract_all(' ~ text ~ ', ' ~ sql_string_literal(pattern) ~ ', '
        ~ group ~ ')' -%}
    {%- if filter_var -%}
    list_last(list_filter({{ matches }}, lambda {{ filter_var }}: {{ filter_condition }}))
    {%- else -%}
    list_last({{ matches }})
    {%- endif -%}
{%- endmacro %}

{% macro spark__regex_last_match(text, pattern, group, filter_var, filter_condition) -%}
    {%- set matches = 'regexp_extract_all(' ~ text ~ ', ' ~ sql_string_literal(pattern) ~ ', '
        ~ group ~ ')' -%}
    {%- if filter_var -%}
    {%- set matches = 'filter(' ~ matches ~ ', ' ~ filter_var ~ ' -> ' ~ filter_condition ~ ')' -%}
    {%- endif -%}
    (case when size({{ matches }}) > 0 then element_at({{ matches }}, -1) end)
{%- endmacro %}

{% macro default__regex_last_match(text, pattern, group, filter_var, filter_condition) -%}
    {{ exceptions.raise_compiler_error(
        "regex_last_match has no implementation for the " ~ adapter.type()
        ~ " adapter: add one in macros/cross_db/regex.sql (docs/portability.md)") }}
{%- endmacro %}
