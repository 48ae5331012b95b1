{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- The share of hospital-seen violence with no police record: the slice of indicator_values
-- for ed_assaults_unseen_by_police_pct that the "Violence across agencies" dashboard reads,
-- one row per partnership and period (rolling 12 months and financial years), with England's
-- value and counts on every row (so a Partnership filter keeps the comparison) and the latest
-- period of each period type flagged, so the dashboard needs no SQL of its own.
with partnership_rows as (
    select *
    from {{ ref('indicator_values') }}
    where indicator_id = 'ed_assaults_unseen_by_police_pct'
        and area_type = 'partnership'
        and period_type in ('rolling_12_months', 'financial_year')
),

england_rows as (
    select
        period_type,
        period_start,
        numerator,
        denominator,
        value
    from {{ ref('indicator_values') }}
    where indicator_id = 'ed_assaults_unseen_by_police_pct'
        and area_type = 'england'
)

select
    partnership_rows.indicator_id,
    partnership_rows.indicator_name,
    partnership_rows.area_code as partnership_code,
    partnership_rows.area_name as partnership_name,
    partnership_rows.period_type,
    partnership_rows.period_label,
    partnership_rows.period_start,
    partnership_rows.period_end,
    partnership_rows.numerator as unseen_ed_assaults,
    cast(partnership_rows.denominator as bigint) as located_ed_assaults,
    partnership_rows.value as unseen_pct,
    partnership_rows.lower_95,
    partnership_rows.upper_95,
    partnership_rows.suppressed,
    partnership_rows.compared_to_england,
    partnership_rows.trend,
    england_rows.value as england_unseen_pct,
    england_rows.numerator as england_unseen_ed_assaults,
    cast(england_rows.denominator as bigint) as england_located_ed_assaults,
    partnership_rows.period_start = max(partnership_rows.period_start)
        over (partition by partnership_rows.period_type) as is_latest_period
from partnership_rows
left join england_rows
    on partnership_rows.period_type = england_rows.period_type
    and partnership_rows.period_start = england_rows.period_start
