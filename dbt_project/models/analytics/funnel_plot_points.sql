{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- Everything one funnel plot needs in one table, so one Superset dataset can draw it: for each
-- indicator and annual period (those of indicator_league_table), the England line and the
-- 95% / 99.8% control limits (series_type 'limits', from funnel_limits) and every
-- partnership with a value (series_type 'partnership', series = its comparison with England
-- in words, e.g. 'Much worse than England', so a chart colours the points by it), both on
-- the same x (the denominator) and y (the indicator's value). Only rates and proportions
-- have a funnel.
--
-- The limit lines are trimmed to the partnerships' range: from the last grid point at or
-- below half the smallest partnership's denominator to the first at or above one and a half
-- times the largest. funnel_limits draws rates from an expected count of 1, where a limit is
-- many times the England value and would squash the partnerships into a flat line.
with partnerships as (
    select *
    from {{ ref('indicator_league_table') }}
    where value is not null
        and denominator > 0
        and method in ('rate', 'proportion')
),

periods as (
    select
        indicator_id,
        period_type,
        period_start,
        min(denominator) as smallest,
        max(denominator) as largest
    from partnerships
    group by indicator_id, period_type, period_start
),

limits as (
    select
        funnel.*,
        coalesce(
            max(case when funnel.denominator <= periods.smallest * 0.5 then funnel.denominator end)
                over (partition by funnel.indicator_id, funnel.period_type, funnel.period_start),
            min(funnel.denominator)
                over (partition by funnel.indicator_id, funnel.period_type, funnel.period_start)
        ) as draw_from,
        coalesce(
            min(case when funnel.denominator >= periods.largest * 1.5 then funnel.denominator end)
                over (partition by funnel.indicator_id, funnel.period_type, funnel.period_start),
            max(funnel.denominator)
                over (partition by funnel.indicator_id, funnel.period_type, funnel.period_start)
        ) as draw_to
    from {{ ref('funnel_limits') }} as funnel
    inner join periods
        on funnel.indicator_id = periods.indicator_id
        and funnel.period_type = periods.period_type
        and funnel.period_start = periods.period_start
),

labels as (
    -- one row per indicator and period with the labels the points carry
    select distinct
        indicator_id,
        indicator_name,
        display_order,
        unit,
        period_type,
        period_label,
        period_start,
        is_latest_period
    from partnerships
),

limit_points as (
    -- one point per plotted (rounded) denominator: below 5 several points of the limits' grid
    -- round to the same whole number, which the national scale draws (its smallest
    -- partnerships' denominators are that low); the first keeps its limits
    select
        limits.*,
        row_number() over (
            partition by limits.indicator_id, limits.period_type, limits.period_start,
                round(limits.denominator)
            order by limits.denominator
        ) as point_number
    from limits
    where limits.denominator between limits.draw_from and limits.draw_to
)

select
    labels.indicator_id,
    labels.indicator_name,
    labels.display_order,
    labels.unit,
    labels.period_type,
    labels.period_label,
    labels.period_start,
    labels.is_latest_period,
    'limits' as series_type,
    'England value and control limits' as series,
    cast(null as {{ dbt.type_string() }}) as area_code,
    cast(null as {{ dbt.type_string() }}) as area_name,
    round(limits.denominator) as denominator,
    cast(null as {{ type_double() }}) as value,
    cast(null as {{ dbt.type_string() }}) as compared_to_england,
    limits.england_value,
    limits.lower_998,
    limits.lower_95,
    limits.upper_95,
    limits.upper_998
from limit_points as limits
inner join labels
    on limits.indicator_id = labels.indicator_id
    and limits.period_type = labels.period_type
    and limits.period_start = labels.period_start
where limits.point_number = 1

union all

select
    indicator_id,
    indicator_name,
    display_order,
    unit,
    period_type,
    period_label,
    period_start,
    is_latest_period,
    'partnership' as series_type,
    case compared_to_england
        when 'much better' then 'Much better than England'
        when 'better' then 'Better than England'
        when 'similar' then 'Similar to England'
        when 'worse' then 'Worse than England'
        when 'much worse' then 'Much worse than England'
        when 'much higher' then 'Much higher than England'
        when 'higher' then 'Higher than England'
        when 'lower' then 'Lower than England'
        when 'much lower' then 'Much lower than England'
        else 'Not compared with England'
    end as series,
    area_code,
    area_name,
    denominator,
    value,
    compared_to_england,
    england_value,
    null as lower_998,
    null as lower_95,
    null as upper_95,
    null as upper_998
from partnerships
