-- Pupils on roll counted once per district and academic year (a count re-sent in a later
-- extract keeps its latest version), placed in a partnership by district.
with latest as (
    {{ latest_versions(ref('stg_school_pupils__pupil_counts'), ['lad_code', 'academic_year']) }}
)

select
    latest.*,
    lads.partnership_code
from latest
left join {{ ref('int_lads_placed') }} as lads on latest.lad_code = lads.lad_code
