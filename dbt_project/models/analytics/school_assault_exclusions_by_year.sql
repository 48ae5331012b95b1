-- School exclusions for physical assault (against a pupil or an adult) by type: one row per
-- partnership, complete academic year and exclusion type (suspension, permanent), for the
-- "Offenders, victims and young people" dashboard. Never record-level. Both types appear
-- every year for every partnership with exclusion records (0 when there were none).
--
-- Complete academic years only: the ones indicator_values publishes for
-- assault_exclusions_per_1000_pupils, so the counts and the rate cover the same years (an
-- extract that starts or ends mid-year would otherwise show a false drop).
--
-- Disclosure control, the rule indicator_values applies to person-identifying indicators:
-- a count from 1 to 7 is withheld (exclusions NULL, suppressed true). 0 and 8+ are shown.
-- Complementary suppression: indicator_values publishes the total of both types (the
-- numerator of assault_exclusions_per_1000_pupils), so when one type is withheld the other
-- is too; otherwise the withheld count would be the total minus the one shown.
-- Exclusions that cannot be placed in a partnership are left out (they stay visible, with a
-- NULL partnership, in analytics.school_exclusions).
with academic_years as (
    select distinct
        period_label as academic_year,
        period_start as academic_year_start,
        period_end as academic_year_end
    from {{ ref('indicator_values') }}
    where indicator_id = 'assault_exclusions_per_1000_pupils'
        and area_type = 'england'
        and period_type = 'academic_year'
),

counts as (
    select
        partnership_code,
        academic_year,
        exclusion_type,
        count(*) as exclusions
    from {{ ref('fct_school_exclusions') }}
    where partnership_code is not null
        and is_physical_assault
    group by partnership_code, academic_year, exclusion_type
),

partnerships as (
    select distinct partnership_code
    from {{ ref('fct_school_exclusions') }}
    where partnership_code is not null
),

exclusion_types as (
    select 'suspension' as exclusion_type, 'Suspension' as exclusion_type_label
    union all
    select 'permanent', 'Permanent exclusion'
),

grid as (
    select
        partnerships.partnership_code,
        academic_years.academic_year,
        academic_years.academic_year_start,
        academic_years.academic_year_end,
        exclusion_types.exclusion_type,
        exclusion_types.exclusion_type_label,
        coalesce(counts.exclusions, 0) as exclusions
    from partnerships
    cross join academic_years
    cross join exclusion_types
    left join counts
        on partnerships.partnership_code = counts.partnership_code
        and academic_years.academic_year = counts.academic_year
        and exclusion_types.exclusion_type = counts.exclusion_type
),

checked as (
    select
        grid.*,
        max(case when grid.exclusions between 1 and 7 then 1 else 0 end) over (
            partition by grid.partnership_code, grid.academic_year
        ) = 1 as withheld
    from grid
)

select
    checked.partnership_code,
    dim.partnership_name,
    checked.academic_year,
    checked.academic_year_start,
    checked.academic_year_end,
    checked.exclusion_type,
    checked.exclusion_type_label,
    case when checked.withheld then null else checked.exclusions end as exclusions,
    checked.withheld as suppressed
from checked
inner join {{ ref('dim_partnerships') }} as dim
    on checked.partnership_code = dim.partnership_code
