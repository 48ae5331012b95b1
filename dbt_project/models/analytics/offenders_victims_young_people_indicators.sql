{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- The six indicators of the "Offenders, victims and young people" dashboard, each
-- partnership against England: probation caseload at high or very high risk of serious harm,
-- proven reoffending after a violent offence, MARAC cases per 10,000 women, MARAC repeat
-- cases (financial years), exclusions for physical assault per 1,000 pupils and persistent
-- absence (academic years). A slice of indicator_values in long form: for every partnership,
-- its own rows (series_type 'partnership') and a copy of England's rows (series_type
-- 'england', series_name 'England'), both carrying the partnership's code and name, so that
-- filtering the dashboard on a partnership keeps England beside it.
--
-- Partnerships: those with a value for at least one of the locally sent indicators
-- (probation, reoffending, MARAC, school exclusions). Persistent absence comes from the
-- DfE's national table for every whole-authority partnership; it is kept only for these.
-- Suppression is indicator_values' own: suppressed partnership rows keep value NULL.
with indicators as (
    select 'probation_high_rosh_pct' as indicator_id, 'financial_year' as period_type
    union all
    select 'violent_proven_reoffending_pct', 'financial_year'
    union all
    select 'marac_cases_per_10k_women', 'financial_year'
    union all
    select 'marac_repeat_pct', 'financial_year'
    union all
    select 'assault_exclusions_per_1000_pupils', 'academic_year'
    union all
    select 'persistent_absence_pct', 'academic_year'
),

published as (
    select indicator_rows.*
    from {{ ref('indicator_values') }} as indicator_rows
    inner join indicators
        on indicator_rows.indicator_id = indicators.indicator_id
        and indicator_rows.period_type = indicators.period_type
    where indicator_rows.area_type in ('partnership', 'england')
),

partnerships as (
    select distinct area_code as partnership_code, area_name as partnership_name
    from published
    where area_type = 'partnership'
        and indicator_id != 'persistent_absence_pct'
),

partnership_rows as (
    select
        published.*,
        published.area_code as partnership_code,
        published.area_name as partnership_name,
        'partnership' as series_type
    from published
    inner join partnerships on published.area_code = partnerships.partnership_code
    where published.area_type = 'partnership'
),

england_rows as (
    select
        published.*,
        partnerships.partnership_code,
        partnerships.partnership_name,
        'england' as series_type
    from published
    cross join partnerships
    where published.area_type = 'england'
),

both_series as (
    select * from partnership_rows
    union all
    select * from england_rows
)

select
    both_series.indicator_id,
    both_series.indicator_name,
    catalogue.unit,
    catalogue.display_order,
    both_series.partnership_code,
    both_series.partnership_name,
    both_series.series_type,
    both_series.area_code,
    both_series.area_name as series_name,
    both_series.period_type,
    both_series.period_label,
    both_series.period_start,
    both_series.period_end,
    both_series.numerator,
    both_series.denominator,
    both_series.value,
    both_series.lower_95,
    both_series.upper_95,
    both_series.england_value,
    both_series.compared_to_england,
    both_series.trend,
    both_series.suppressed,
    both_series.period_start = max(both_series.period_start)
        over (partition by both_series.indicator_id) as is_latest_period
from both_series
inner join {{ ref('indicator_catalogue') }} as catalogue
    on both_series.indicator_id = catalogue.indicator_id
