-- School suspensions and permanent exclusions for analysts: one row per exclusion, with
-- partnership (by the school's district), month, and the partnership's pupils on roll that
-- academic year for rates. Records that cannot be placed keep a NULL partnership_code.
{{ config(materialized='view') }}

with partnership_pupils as (
    select partnership_code, academic_year, sum(pupils) as pupils
    from {{ ref('fct_school_pupils') }}
    where partnership_code is not null
    group by partnership_code, academic_year
)

select
    'school_exclusions' as source,
    exclusions.pupil_id,
    exclusions.school_urn,
    exclusions.exclusion_date,
    cast(exclusions.exclusion_month as date) as month,
    exclusions.academic_year,
    exclusions.financial_year,
    exclusions.partnership_code,
    partnerships.partnership_name,
    exclusions.la_code,
    exclusions.lad_code,
    exclusions.exclusion_type,
    exclusions.reason,
    exclusions.is_physical_assault,
    exclusions.days_lost,
    exclusions.pupil_age,
    exclusions.pupil_sex,
    partnership_pupils.pupils as partnership_pupils
from {{ ref('fct_school_exclusions') }} as exclusions
left join {{ ref('dim_partnerships') }} as partnerships
    on exclusions.partnership_code = partnerships.partnership_code
left join partnership_pupils
    on exclusions.partnership_code = partnership_pupils.partnership_code
    and exclusions.academic_year = partnership_pupils.academic_year
