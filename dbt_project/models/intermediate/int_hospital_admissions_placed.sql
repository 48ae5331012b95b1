-- Assault admission counts, one per district, financial year, age band and sex (a count
-- re-sent in a later extract keeps its latest version), placed in a partnership by district.
with latest as (
    {{ latest_versions(
        ref('stg_hospital_admissions__admissions'),
        ['lad_code', 'financial_year', 'age_band', 'sex']) }}
)

select
    latest.*,
    lads.lad_name,
    lads.partnership_code
from latest
left join {{ ref('int_lads_placed') }} as lads on latest.lad_code = lads.lad_code
