{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- A table, not a view: the models and tests that read it would each compute it again.
-- The recent trend of every annual figure (financial years, academic years and rolling
-- 12 months), Fingertips' method: the five most recent non-overlapping annual points ending
-- with this one (this period and the same period 1, 2, 3 and 4 years before), t = 1..5.
--  * rates, standardised rates: inverse-variance weighted regression of value on t with
--    w = 1 / ((upper_95 - lower_95) / 3.92)^2; slope = (S1*S2 - S3*S4) / (S1*S5 - S3^2),
--    chi2 = slope^2 * (S1*S5 - S3^2) / S1;
--  * proportions: chi-squared test for trend (Cochran-Armitage),
--    chi2 = N (N*sum(x t) - X*sum(n t))^2 / (X (N - X) (N*sum(n t^2) - sum(n t)^2));
--  * significant when chi2 > 9.5495 (1 df, 99.8%) and the direction is the same with each of
--    the five points left out in turn; 'cannot be calculated' without five points with the
--    inputs the test needs (and always for counts and quarters).
with computed as (
    select * from {{ ref('int_indicator_values_computed') }}
),

steps as (
    select 0 as years_back union all select 1 union all select 2
    union all select 3 union all select 4
),

anchors as (
    -- each annual figure with the start of each of its five points' periods
    select
        anchor.indicator_id,
        anchor.area_type,
        anchor.area_code,
        anchor.period_type,
        anchor.period_start,
        anchor.method,
        5 - steps.years_back as t,
        cast({{ dbt.dateadd('month', '-12 * steps.years_back', 'anchor.period_start') }} as date)
            as point_start
    from computed as anchor
    cross join steps
    where anchor.period_type in ('financial_year', 'academic_year', 'rolling_12_months')
        and anchor.method in ('rate', 'dsr', 'proportion')
),

points as (
    select
        anchors.indicator_id,
        anchors.area_type,
        anchors.area_code,
        anchors.period_type,
        anchors.period_start,
        anchors.method,
        anchors.t,
        earlier.value as v,
        case
            when earlier.upper_95 > earlier.lower_95
                then 1.0 / (((earlier.upper_95 - earlier.lower_95) / 3.92)
                    * ((earlier.upper_95 - earlier.lower_95) / 3.92))
        end as w,
        earlier.numerator as x,
        earlier.denominator as n
    from anchors
    inner join computed as earlier
        on anchors.indicator_id = earlier.indicator_id
        and anchors.area_type = earlier.area_type
        and anchors.area_code = earlier.area_code
        and anchors.period_type = earlier.period_type
        and anchors.point_start = earlier.period_start
),

totals as (
    select
        indicator_id,
        area_type,
        area_code,
        period_type,
        period_start,
        min(method) as method,
        count(*) as points,
        count(case when method = 'proportion' then n else w end) as usable_points,
        -- added in time order (t = 1..5, one point each), not with sum(), so that every
        -- build reaches the same last digit (see int_indicator_values_computed)
        {%- for name, term in [
            ('s1', 'w'), ('s2', 'w * v * t'), ('s3', 'w * t'), ('s4', 'w * v'),
            ('s5', 'w * t * t'), ('sx', 'x'), ('sn', 'n'), ('sxt', 'x * t'), ('snt', 'n * t'),
            ('sntt', 'n * t * t')
        ] %}
        {{ sum_by_position(term, 't', 5) }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from points
    group by indicator_id, area_type, area_code, period_type, period_start
),

left_out_directions as (
    -- the direction (sign) of the trend with each point left out in turn
    select
        totals.indicator_id,
        totals.area_type,
        totals.area_code,
        totals.period_type,
        totals.period_start,
        {{ trend_direction(
            'totals.method',
            'totals.s1 - points.w', 'totals.s2 - points.w * points.v * points.t',
            'totals.s3 - points.w * points.t', 'totals.s4 - points.w * points.v',
            'totals.s5 - points.w * points.t * points.t',
            'totals.sx - points.x', 'totals.sn - points.n',
            'totals.sxt - points.x * points.t', 'totals.snt - points.n * points.t') }}
            as direction
    from totals
    inner join points
        on totals.indicator_id = points.indicator_id
        and totals.area_type = points.area_type
        and totals.area_code = points.area_code
        and totals.period_type = points.period_type
        and totals.period_start = points.period_start
),

left_out as (
    select
        indicator_id,
        area_type,
        area_code,
        period_type,
        period_start,
        min(direction) as min_direction,
        max(direction) as max_direction
    from left_out_directions
    group by indicator_id, area_type, area_code, period_type, period_start
),

tested as (
    select
        totals.*,
        {{ trend_direction(
            'totals.method', 'totals.s1', 'totals.s2', 'totals.s3', 'totals.s4', 'totals.s5',
            'totals.sx', 'totals.sn', 'totals.sxt', 'totals.snt') }} as direction,
        case
            when totals.method = 'proportion'
                and totals.sx > 0 and totals.sn > totals.sx
                and totals.sn * totals.sntt - totals.snt * totals.snt > 0
                then totals.sn
                * (totals.sn * totals.sxt - totals.sx * totals.snt)
                * (totals.sn * totals.sxt - totals.sx * totals.snt)
                / (totals.sx * (totals.sn - totals.sx)
                    * (totals.sn * totals.sntt - totals.snt * totals.snt))
            when totals.method in ('rate', 'dsr')
                and totals.s1 > 0 and totals.s1 * totals.s5 - totals.s3 * totals.s3 > 0
                then ((totals.s1 * totals.s2 - totals.s3 * totals.s4)
                    / (totals.s1 * totals.s5 - totals.s3 * totals.s3))
                * ((totals.s1 * totals.s2 - totals.s3 * totals.s4)
                    / (totals.s1 * totals.s5 - totals.s3 * totals.s3))
                * (totals.s1 * totals.s5 - totals.s3 * totals.s3) / totals.s1
        end as chi_squared,
        left_out.min_direction,
        left_out.max_direction
    from totals
    inner join left_out
        on totals.indicator_id = left_out.indicator_id
        and totals.area_type = left_out.area_type
        and totals.area_code = left_out.area_code
        and totals.period_type = left_out.period_type
        and totals.period_start = left_out.period_start
)

select
    indicator_id,
    area_type,
    area_code,
    period_type,
    period_start,
    points,
    chi_squared,
    direction,
    case
        when points < 5 or usable_points < 5 or chi_squared is null then 'cannot be calculated'
        when chi_squared > 9.5495 and direction > 0 and min_direction > 0 then 'increasing'
        when chi_squared > 9.5495 and direction < 0 and max_direction < 0 then 'decreasing'
        else 'no significant change'
    end as trend
from tested
