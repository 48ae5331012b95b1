{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- Funnel plot limits: for each indicator and period, the England benchmark (pooled: sum of
-- numerators / sum of denominators, times the multiplier) and the 95% and 99.8% control
-- limits over a range of denominators covering the partnerships' own (half the smallest to
-- one and a half times the largest), ready to draw with the partnerships' points from
-- indicator_values.
--  * proportions: limits around the benchmark proportion p0 for a denominator n, Wilson
--    score form (stats_spc_lower / stats_spc_upper);
--  * rates: exact Poisson limits of the expected count E = n x benchmark / multiplier,
--    divided by n; the curve is drawn at whole expected counts 1 to 9 (the exact limits'
--    lookup) and at 40 points from 10 upwards (Byar's approximation of the exact limits).
-- Counts and directly standardised rates have no funnel.
with partnerships as (
    select
        indicator_id,
        indicator_name,
        method,
        multiplier,
        period_type,
        period_label,
        period_start,
        period_end,
        min(denominator) as smallest,
        max(denominator) as largest
    from {{ ref('int_indicator_values_computed') }}
    where area_type = 'partnership'
        and method in ('rate', 'proportion')
        and denominator > 0
    group by
        indicator_id, indicator_name, method, multiplier, period_type, period_label,
        period_start, period_end
),

benchmarks as (
    select
        partnerships.*,
        england.numerator as england_numerator,
        england.denominator as england_denominator,
        england.value as england_value
    from partnerships
    inner join {{ ref('int_indicator_values_computed') }} as england
        on england.area_type = 'england'
        and partnerships.indicator_id = england.indicator_id
        and partnerships.period_type = england.period_type
        and partnerships.period_start = england.period_start
    where england.numerator > 0
        and england.denominator > 0
),

digits as (
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8
    union all select 9
),

steps as (
    select tens.d * 10 + ones.d as step
    from digits as tens cross join digits as ones
    where tens.d * 10 + ones.d < 40
),

proportion_points as (
    select
        benchmarks.*,
        exp(ln(benchmarks.smallest / 2.0)
            + cast(steps.step as {{ type_double() }}) / 39
            * (ln(benchmarks.largest * 1.5) - ln(benchmarks.smallest / 2.0)))
            as denominator
    from benchmarks
    cross join steps
    where benchmarks.method = 'proportion'
),

rate_points as (
    -- whole expected counts 1..9 (exact limits), then 40 expected counts from 10 up
    select
        benchmarks.*,
        cast(digits.d as {{ type_double() }}) as expected
    from benchmarks
    cross join digits
    where benchmarks.method = 'rate' and digits.d between 1 and 9
    union all
    select
        benchmarks.*,
        exp(ln(10.0) + cast(steps.step as {{ type_double() }}) / 39 * (ln(greatest(
            benchmarks.largest * 1.5 * benchmarks.england_numerator
            / benchmarks.england_denominator, 10.0)) - ln(10.0))) as expected
    from benchmarks
    cross join steps
    where benchmarks.method = 'rate'
        and (steps.step = 0 or benchmarks.largest * 1.5 * benchmarks.england_numerator
            / benchmarks.england_denominator > 10.0)
),

limits as (
    select
        indicator_id, indicator_name, method, multiplier, period_type, period_label,
        period_start, period_end, england_value,
        denominator,
        denominator * england_numerator / england_denominator as expected_count,
        {{ stats_spc_lower('denominator', 'england_numerator / england_denominator',
            'multiplier', 0.998) }} as lower_998,
        {{ stats_spc_lower('denominator', 'england_numerator / england_denominator',
            'multiplier', 0.95) }} as lower_95,
        {{ stats_spc_upper('denominator', 'england_numerator / england_denominator',
            'multiplier', 0.95) }} as upper_95,
        {{ stats_spc_upper('denominator', 'england_numerator / england_denominator',
            'multiplier', 0.998) }} as upper_998
    from proportion_points
    union all
    select
        indicator_id, indicator_name, method, multiplier, period_type, period_label,
        period_start, period_end, england_value,
        expected * england_denominator / england_numerator as denominator,
        expected as expected_count,
        {{ stats_poisson_lower('expected', 0.998) }}
            * england_numerator / (expected * england_denominator) * multiplier as lower_998,
        {{ stats_poisson_lower('expected', 0.95) }}
            * england_numerator / (expected * england_denominator) * multiplier as lower_95,
        {{ stats_poisson_upper('expected', 0.95) }}
            * england_numerator / (expected * england_denominator) * multiplier as upper_95,
        {{ stats_poisson_upper('expected', 0.998) }}
            * england_numerator / (expected * england_denominator) * multiplier as upper_998
    from rate_points
)

select
    indicator_id,
    indicator_name,
    method,
    multiplier,
    period_type,
    period_label,
    period_start,
    period_end,
    england_value,
    denominator,
    expected_count,
    lower_998,
    lower_95,
    upper_95,
    upper_998
from limits
