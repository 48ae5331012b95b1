{#- Public-health indicator statistics: confidence limits (PHE/OHID Fingertips methods, as
    published by the R package PHEindicatormethods; formulas in docs/methods.md).

    Every macro returns one SQL scalar expression. Arguments are SQL expression strings
    (column names, literals or expressions); `confidence` is 0.95 or 0.998; `m` is the
    multiplier (1, 100, 1000, 100000, ...). All arithmetic is done in double precision, and every
    macro returns NULL, never an error, when an input it needs is NULL or out of range
    (n <= 0, x < 0, x > n for proportions, a confidence level other than 0.95 / 0.998).

    Counts below 10 use the exact Poisson limits read from the generated seed
    `poisson_exact_limits` (orchestration/reference_data/poisson_exact_limits.py); from 10 up,
    Byar's approximation. Written in portable SQL: CASE, sqrt, power, a scalar subquery;
    the only engine-specific piece is the name of the double type (stats_double_type). -#}

{#- The engine's 8-byte float type. Not dbt.type_float(): on DuckDB that renders FLOAT, a
    4-byte REAL. Dispatched by engine in macros/cross_db/types.sql (type_double). -#}
{% macro stats_double_type() -%}
    {{ return(type_double()) }}
{%- endmacro %}

{%- macro stats_double(expr) -%}
cast(({{ expr }}) as {{ stats_double_type() }})
{%- endmacro %}

{#- z = the standard normal quantile at c + (1 - c)/2, to full double precision, for the two
    confidence levels the methods use; NULL for any other level. -#}
{%- macro stats_z(confidence) -%}
{%- set c = stats_double(confidence) -%}
(case
    when abs({{ c }} - {{ stats_double('0.95') }}) < {{ stats_double('1e-9') }}
        then {{ stats_double('1.959963984540054') }}
    when abs({{ c }} - {{ stats_double('0.998') }}) < {{ stats_double('1e-9') }}
        then {{ stats_double('3.090232306167813') }}
end)
{%- endmacro %}

{#- Exact Poisson limits of a count x (count scale), read from the generated lookup seed for
    x = 0, 1, ..., 9 (lower is 0 for x = 0). NULL for x >= 10, negative or non-whole x. -#}
{%- macro stats_exact_lower(x, confidence) -%}
{{ stats__exact_lookup('lower_count', x, confidence) }}
{%- endmacro %}

{%- macro stats_exact_upper(x, confidence) -%}
{{ stats__exact_lookup('upper_count', x, confidence) }}
{%- endmacro %}

{%- macro stats__exact_lookup(column, x, confidence) -%}
(select max(stats_exact_lookup.{{ column }})
    from {{ ref('poisson_exact_limits') }} as stats_exact_lookup
    where stats_exact_lookup.observed = {{ stats_double(x) }}
        and abs(stats_exact_lookup.confidence - {{ stats_double(confidence) }}) < {{ stats_double('1e-9') }})
{%- endmacro %}

{#- Byar's approximation to the Poisson limits of a count x (count scale):
      lower = x (1 - 1/(9x) - z/(3 sqrt x))^3, NULL when x <= 0 or when the bracket is negative
      upper = (x + 1) (1 - 1/(9(x + 1)) + z/(3 sqrt(x + 1)))^3, NULL when x < 0 -#}
{%- macro stats_byars_lower(x, confidence) -%}
{%- set x = stats_double(x) -%}
{%- set base = "(1 - 1 / (9 * " ~ x ~ ") - " ~ stats_z(confidence) ~ " / (3 * sqrt(" ~ x ~ ")))" -%}
(case
    when {{ x }} > 0 then (case when {{ base }} >= 0 then {{ x }} * power({{ base }}, 3) end)
end)
{%- endmacro %}

{%- macro stats_byars_upper(x, confidence) -%}
{%- set x1 = "(" ~ stats_double(x) ~ " + 1)" -%}
(case
    when {{ x1 }} >= 1 then {{ x1 }}
        * power(1 - 1 / (9 * {{ x1 }}) + {{ stats_z(confidence) }} / (3 * sqrt({{ x1 }})), 3)
end)
{%- endmacro %}

{#- Poisson limits of a count as the methods use them: exact below 10, Byar's from 10 up. -#}
{%- macro stats_poisson_lower(x, confidence) -%}
{%- set xd = stats_double(x) -%}
(case
    when {{ xd }} < 10 then {{ stats_exact_lower(x, confidence) }}
    when {{ xd }} >= 10 then {{ stats_byars_lower(x, confidence) }}
end)
{%- endmacro %}

{%- macro stats_poisson_upper(x, confidence) -%}
{%- set xd = stats_double(x) -%}
(case
    when {{ xd }} < 10 then {{ stats_exact_upper(x, confidence) }}
    when {{ xd }} >= 10 then {{ stats_byars_upper(x, confidence) }}
end)
{%- endmacro %}

{#- Rates: value = x / n * m; limits = Poisson limits of x / n * m. x > n is allowed. -#}
{%- macro stats__rate_valid(x, n) -%}
{{ stats_double(x) }} >= 0 and {{ stats_double(n) }} > 0
{%- endmacro %}

{%- macro stats_rate_value(x, n, m) -%}
(case
    when {{ stats__rate_valid(x, n) }}
        then {{ stats_double(x) }} / {{ stats_double(n) }} * {{ stats_double(m) }}
end)
{%- endmacro %}

{%- macro stats_rate_lower(x, n, m, confidence) -%}
(case
    when {{ stats__rate_valid(x, n) }}
        then {{ stats_poisson_lower(x, confidence) }} / {{ stats_double(n) }} * {{ stats_double(m) }}
end)
{%- endmacro %}

{%- macro stats_rate_upper(x, n, m, confidence) -%}
(case
    when {{ stats__rate_valid(x, n) }}
        then {{ stats_poisson_upper(x, confidence) }} / {{ stats_double(n) }} * {{ stats_double(m) }}
end)
{%- endmacro %}

{#- Proportions: value = x / n * m, Wilson score limits
      (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / 2 / (n + z^2) * m
    Needs n > 0 and 0 <= x <= n (x may be fractional). -#}
{%- macro stats__proportion_valid(x, n) -%}
{{ stats_double(n) }} > 0 and {{ stats_double(x) }} >= 0 and {{ stats_double(x) }} <= {{ stats_double(n) }}
{%- endmacro %}

{%- macro stats_proportion_value(x, n, m) -%}
(case
    when {{ stats__proportion_valid(x, n) }}
        then {{ stats_double(x) }} / {{ stats_double(n) }} * {{ stats_double(m) }}
end)
{%- endmacro %}

{%- macro stats__wilson(sign, x, n, m, confidence) -%}
{%- set x = stats_double(x) -%}
{%- set n = stats_double(n) -%}
{%- set z = stats_z(confidence) -%}
(case
    when {{ n }} > 0 and {{ x }} >= 0 and {{ x }} <= {{ n }}
        then (2 * {{ x }} + {{ z }} * {{ z }} {{ sign }} {{ z }}
                * sqrt({{ z }} * {{ z }} + 4 * {{ x }} * (1 - {{ x }} / {{ n }})))
            / 2 / ({{ n }} + {{ z }} * {{ z }}) * {{ stats_double(m) }}
end)
{%- endmacro %}

{%- macro stats_wilson_lower(x, n, m, confidence) -%}
{{ stats__wilson('-', x, n, m, confidence) }}
{%- endmacro %}

{%- macro stats_wilson_upper(x, n, m, confidence) -%}
{{ stats__wilson('+', x, n, m, confidence) }}
{%- endmacro %}

{#- SPC control limits (and proportion funnel limits) around a benchmark proportion p0
    (0..1) for an area with denominator n: the Wilson limits of the expected count E = n p0,
      (2E + k^2 -/+ k sqrt(k^2 + 4E(1 - E/n))) / (2(n + k^2)) * m,  k = stats_z(confidence).
    Needs n > 0 and 0 <= p0 <= 1. -#}
{%- macro stats__spc(sign, n, p0, m, confidence) -%}
{%- set p = stats_double(p0) -%}
(case
    when {{ p }} >= 0 and {{ p }} <= 1
        then {{ stats__wilson(sign, "(" ~ stats_double(n) ~ " * " ~ p ~ ")", n, m, confidence) }}
end)
{%- endmacro %}

{%- macro stats_spc_lower(n, p0, m, confidence) -%}
{{ stats__spc('-', n, p0, m, confidence) }}
{%- endmacro %}

{%- macro stats_spc_upper(n, p0, m, confidence) -%}
{{ stats__spc('+', n, p0, m, confidence) }}
{%- endmacro %}

{#- Directly standardised rates (Dobson), from per-area sums over the age bands i:
      weighted_rate_sum     = sum x_i w_i / n_i
      weighted_variance_sum = sum x_i (w_i / n_i)^2
      weight_total          = sum w_i
      total_count           = X = sum x_i
    DSR = weighted_rate_sum / weight_total * m
    var = weighted_variance_sum / weight_total^2
    limit = DSR + sqrt(var / X) (L(X) - X) m, L the Poisson (Byar's) limit of the count X.
    Everything is NULL when X < 10. -#}
{%- macro stats__dsr_valid(weight_total, total_count) -%}
{{ stats_double(total_count) }} >= 10 and {{ stats_double(weight_total) }} > 0
{%- endmacro %}

{%- macro stats_dsr_value(weighted_rate_sum, weight_total, total_count, m) -%}
(case
    when {{ stats__dsr_valid(weight_total, total_count) }}
        then {{ stats_double(weighted_rate_sum) }} / {{ stats_double(weight_total) }} * {{ stats_double(m) }}
end)
{%- endmacro %}

{%- macro stats__dsr_limit(side, weighted_rate_sum, weighted_variance_sum, weight_total, total_count, m, confidence) -%}
{%- set big_x = stats_double(total_count) -%}
{%- set wt = stats_double(weight_total) -%}
{%- set variance = "(" ~ stats_double(weighted_variance_sum) ~ " / (" ~ wt ~ " * " ~ wt ~ "))" -%}
(case
    when {{ stats__dsr_valid(weight_total, total_count) }} and {{ stats_double(weighted_variance_sum) }} >= 0
        then {{ stats_dsr_value(weighted_rate_sum, weight_total, total_count, m) }}
            + sqrt({{ variance }} / {{ big_x }})
            * ({{ stats_poisson_lower(total_count, confidence) if side == 'lower'
                  else stats_poisson_upper(total_count, confidence) }} - {{ big_x }})
            * {{ stats_double(m) }}
end)
{%- endmacro %}

{%- macro stats_dsr_lower(weighted_rate_sum, weighted_variance_sum, weight_total, total_count, m, confidence) -%}
{{ stats__dsr_limit('lower', weighted_rate_sum, weighted_variance_sum, weight_total, total_count, m, confidence) }}
{%- endmacro %}

{%- macro stats_dsr_upper(weighted_rate_sum, weighted_variance_sum, weight_total, total_count, m, confidence) -%}
{{ stats__dsr_limit('upper', weighted_rate_sum, weighted_variance_sum, weight_total, total_count, m, confidence) }}
{%- endmacro %}
