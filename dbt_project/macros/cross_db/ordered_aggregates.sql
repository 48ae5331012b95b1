{#- Sums, means and sample standard deviations whose terms are added in a fixed order, so that
    every build reaches the same last binary digit (docs/rebuild.md, "The same figures, to the
    last digit"). An aggregate: use it in a SELECT with GROUP BY, like sum().

      ordered_sum(expr, order_by)          sum of the non-NULL values; NULL when there are none
      ordered_avg(expr, order_by)          their mean
      ordered_stddev_samp(expr, order_by)  their sample standard deviation; NULL below 2 values

    expr: a SQL expression; order_by: comma-separated SQL expressions, ascending, such as
    'sex, age_band_start, age_band_end, population'. Make the key total (add the value itself
    when two rows can tie): rows that tie on the key may be added in either order.

    Why the DuckDB form: DuckDB's sum(), avg() and window aggregates add doubles in whatever
    order its threads meet the rows; list(x ORDER BY key) fixes the order and list_sum,
    list_avg and list_stddev_samp then fold the list left to right (list_stddev_samp by
    Welford's update). These forms ARE the published figures: they must not change.

    Spark (and Databricks, through dbt-spark's dispatch order): collect_list of (key, value)
    structs, array_sort, and a left fold with aggregate() that mirrors DuckDB's arithmetic
    (plain addition; the mean as sum / count; Welford's update for the standard deviation),
    in double precision. Written from the Spark SQL reference, never run here.

    Any other engine (default): plain sum / avg / stddev_samp. Correct, but the order of the
    additions is the engine's, so the last digit may differ from one build to the next. -#}

{% macro ordered_sum(expr, order_by) -%}
    {{ return(adapter.dispatch('ordered_sum', 'pvw')(expr, order_by)) }}
{%- endmacro %}

{% macro ordered_avg(expr, order_by) -%}
    {{ return(adapter.dispatch('ordered_avg', 'pvw')(expr, order_by)) }}
{%- endmacro %}

{% macro ordered_stddev_samp(expr, order_by) -%}
    {{ return(adapter.dispatch('ordered_stddev_samp', 'pvw')(expr, order_by)) }}
{%- endmacro %}

{#- ---- DuckDB: the published form ------------------------------------------------------ -#}

{% macro duckdb__ordered_sum(expr, order_by) -%}
    list_sum(list({{ expr }} order by {{ order_by }}))
{%- endmacro %}

{% macro duckdb__ordered_avg(expr, order_by) -%}
    list_avg(list({{ expr }} order by {{ order_by }}))
{%- endmacro %}

{% macro duckdb__ordered_stddev_samp(expr, order_by) -%}
    list_stddev_samp(list({{ expr }} order by {{ order_by }}))
{%- endmacro %}

{#- ---- any other engine: ANSI aggregates, in the engine's order ------------------------ -#}

{% macro default__ordered_sum(expr, order_by) -%}
    sum({{ expr }})
{%- endmacro %}

{% macro default__ordered_avg(expr, order_by) -%}
    avg({{ expr }})
{%- endmacro %}

{% macro default__ordered_stddev_samp(expr, order_by) -%}
    stddev_samp({{ expr }})
{%- endmacro %}

{#- ---- Spark: sort the collected values, then fold them left to right ------------------- -#}

{#- The group's values as an array<double> sorted by the key, NULLs kept (the folds skip them).
    Each key expression k becomes (k is null, k) in the sort struct so that NULL keys sort last,
    as they do in DuckDB's ORDER BY. -#}
{% macro ordered_values_spark(expr, order_by) -%}
    {%- set fields = [] -%}
    {%- for key in split_sql_list(order_by) -%}
        {%- do fields.append("'k" ~ loop.index ~ "_is_null', (" ~ key ~ ") is null") -%}
        {%- do fields.append("'k" ~ loop.index ~ "', " ~ key) -%}
    {%- endfor -%}
    transform(
        array_sort(collect_list(named_struct(
            {{ fields | join(', ') }}, 'v', cast({{ expr }} as double)
        ))),
        e -> e.v
    )
{%- endmacro %}

{% macro spark__ordered_sum(expr, order_by) -%}
    aggregate(
        {{ ordered_values_spark(expr, order_by) }},
        cast(null as double),
        (total, x) -> case
            when x is null then total
            when total is null then x
            else total + x
        end
    )
{%- endmacro %}

{% macro spark__ordered_avg(expr, order_by) -%}
    aggregate(
        {{ ordered_values_spark(expr, order_by) }},
        named_struct('n', cast(0 as bigint), 'total', cast(null as double)),
        (acc, x) -> case
            when x is null then acc
            else named_struct(
                'n', acc.n + 1,
                'total', case when acc.total is null then x else acc.total + x end)
        end,
        acc -> acc.total / acc.n
    )
{%- endmacro %}

{#- Welford's update, as DuckDB's stddev_samp: n += 1; mean' = mean + (x - mean) / n;
    m2 += (x - mean') * (x - mean); result sqrt(m2 / (n - 1)). -#}
{% macro spark__ordered_stddev_samp(expr, order_by) -%}
    {%- set new_mean = "(acc.mean + (x - acc.mean) / (acc.n + 1))" -%}
    aggregate(
        {{ ordered_values_spark(expr, order_by) }},
        named_struct('n', cast(0 as double), 'mean', cast(0 as double), 'm2', cast(0 as double)),
        (acc, x) -> case
            when x is null then acc
            else named_struct(
                'n', acc.n + 1,
                'mean', {{ new_mean }},
                'm2', acc.m2 + (x - {{ new_mean }}) * (x - acc.mean))
        end,
        acc -> case when acc.n > 1 then sqrt(acc.m2 / (acc.n - 1)) end
    )
{%- endmacro %}

{#- Split a comma-separated list of SQL expressions at the commas outside parentheses and
    quotes: 'a, coalesce(b, 0), c' -> ['a', 'coalesce(b, 0)', 'c']. -#}
{% macro split_sql_list(sql_list) -%}
    {%- set parts = [] -%}
    {%- set state = {'depth': 0, 'quoted': false, 'current': ''} -%}
    {%- for ch in sql_list -%}
        {%- if ch == "'" -%}
            {%- do state.update({'quoted': not state.quoted}) -%}
        {%- elif not state.quoted and ch == '(' -%}
            {%- do state.update({'depth': state.depth + 1}) -%}
        {%- elif not state.quoted and ch == ')' -%}
            {%- do state.update({'depth': state.depth - 1}) -%}
        {%- endif -%}
        {%- if ch == ',' and state.depth == 0 and not state.quoted -%}
            {%- do parts.append(state.current | trim) -%}
            {%- do state.update({'current': ''}) -%}
        {%- else -%}
            {%- do state.update({'current': state.current ~ ch}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do parts.append(state.current | trim) -%}
    {{ return(parts) }}
{%- endmacro %}

{#- The same fixed-order sum when the order key is a small whole number, each value at most once
    per group (the trend's five annual points, t = 1..5): the values taken by position (a sum
    of one value: exact, and typed as sum() types it) and added left to right, missing ones
    as 0 (x + 0 is x exactly, so the digits are those of ordered_sum), NULL when there are
    none. Plain aggregates, no sorted list per group, and standard SQL on every engine (ten
    ordered_sum over a national build's 280,000 trend groups took seconds; this a fraction
    of one).

      sum_by_position(expr, position, positions)   positions: how many (1..positions) -#}
{% macro sum_by_position(expr, position, positions) -%}
    case when count({{ expr }}) > 0 then
        {%- for k in range(1, positions + 1) %}
        coalesce(sum(case when {{ position }} = {{ k }} then {{ expr }} end), 0)
        {{- ' +' if not loop.last }}
        {%- endfor %}
    end
{%- endmacro %}
