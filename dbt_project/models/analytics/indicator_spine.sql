{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- The indicator "spine" (as on Fingertips): every partnership row of indicator_values with
-- what a profile table needs to show it without SQL of its own: the indicator's domain, unit
-- and display order from the catalogue, readable period type, the latest published period of
-- each indicator and period type flagged, the comparisons with England and with the Most
-- Similar Group as numeric scores (for conditional formatting) and the rank in the group as
-- "3 of 16". Read by the "Partnership profile" dashboard; indicator_league_table builds on it.
--
-- Scores: comparison with a judgement (low or high is good) scores 2 much better, 1 better,
-- 0 similar, -1 worse, -2 much worse; comparison without a judgement scores in
-- *_direction_score instead (2 much higher, 1 higher, 0 similar, -1 lower, -2 much lower).
-- 'not compared' scores NULL in both.
with catalogue as (
    select
        indicator_id,
        agency,
        unit,
        denominator_definition,
        display_order
    from {{ ref('indicator_catalogue') }}
),

latest as (
    -- the latest period each indicator is published for, per period type (any area)
    select
        indicator_id,
        period_type,
        max(period_start) as latest_period_start
    from {{ ref('indicator_values') }}
    group by indicator_id, period_type
),

partnerships as (
    select *
    from {{ ref('indicator_values') }}
    where area_type = 'partnership'
)

select
    case catalogue.agency
        when 'police' then 'Police'
        when 'health' then 'Health'
        when 'health and police' then 'Health and police'
        when 'probation' then 'Probation'
        when 'schools' then 'Schools'
        when 'marac' then 'MARAC'
        else catalogue.agency
    end as domain,
    catalogue.display_order,
    partnerships.indicator_id,
    partnerships.indicator_name,
    catalogue.unit,
    catalogue.denominator_definition,
    partnerships.method,
    partnerships.polarity,
    partnerships.area_code,
    partnerships.area_name,
    partnerships.period_type,
    case partnerships.period_type
        when 'financial_year' then 'Financial year'
        when 'quarter' then 'Quarter'
        when 'rolling_12_months' then 'Rolling 12 months'
        when 'academic_year' then 'Academic year'
    end as period_type_label,
    partnerships.period_label,
    partnerships.period_start,
    partnerships.period_end,
    partnerships.period_start = latest.latest_period_start as is_latest_period,
    partnerships.numerator,
    partnerships.denominator,
    partnerships.value,
    partnerships.lower_95,
    partnerships.upper_95,
    partnerships.england_value,
    partnerships.compared_to_england,
    case partnerships.compared_to_england
        when 'much better' then 2
        when 'better' then 1
        when 'similar' then 0
        when 'worse' then -1
        when 'much worse' then -2
    end as england_comparison_score,
    case partnerships.compared_to_england
        when 'much higher' then 2
        when 'higher' then 1
        when 'lower' then -1
        when 'much lower' then -2
    end as england_direction_score,
    partnerships.msg_value,
    partnerships.compared_to_msg,
    case partnerships.compared_to_msg
        when 'much better' then 2
        when 'better' then 1
        when 'similar' then 0
        when 'worse' then -1
        when 'much worse' then -2
    end as msg_comparison_score,
    case partnerships.compared_to_msg
        when 'much higher' then 2
        when 'higher' then 1
        when 'lower' then -1
        when 'much lower' then -2
    end as msg_direction_score,
    partnerships.msg_rank,
    partnerships.msg_size,
    case
        when partnerships.msg_rank is not null
            then cast(partnerships.msg_rank as {{ dbt.type_string() }}) || ' of '
            || cast(partnerships.msg_size as {{ dbt.type_string() }})
    end as msg_rank_label,
    partnerships.quintile,
    partnerships.trend,
    partnerships.suppressed,
    case
        when partnerships.suppressed then 'Suppressed: a count of 1 to 7'
        when partnerships.method = 'count' then 'A count: not compared'
        when partnerships.value is null then 'Too few events to calculate'
        else ''
    end as value_note
from partnerships
inner join catalogue
    on partnerships.indicator_id = catalogue.indicator_id
inner join latest
    on partnerships.indicator_id = latest.indicator_id
    and partnerships.period_type = latest.period_type
