-- Pupils on roll counted once per district and academic year (a count re-sent in a later
-- extract keeps its latest version), placed in a partnership by district.
with latest as (
    select *
    from {{ ref('stg_school_pupils__pupil_counts') }}
    qualify row_number() over (
        partition by lad_code, academic_year
        order by loaded_at desc, source_file desc, source_line desc
    ) = 1
)

select
    latest.*,
    lads.partnership_code
from latest
left join {{ ref('int_lads_placed') }} as lads on latest.lad_code = lads.lad_code
