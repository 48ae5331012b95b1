-- School suspensions and permanent exclusions: one row per exclusion, placed in a
-- partnership by the school's district, with academic and financial year.
select
    pupil_id,
    school_urn,
    exclusion_date,
    exclusion_month,
    academic_year,
    academic_year_start,
    financial_year,
    la_code,
    lad_code,
    partnership_code,
    exclusion_type,
    reason,
    is_physical_assault,
    days_lost,
    pupil_age,
    pupil_sex,
    source_file,
    source_line
from {{ ref('int_school_exclusions_placed') }}
