-- Proven-reoffending cohort members counted once per person and cohort quarter (a record
-- re-sent in a later extract keeps its latest version), placed in a partnership by the
-- district of residence.
with latest as (
    select *
    from {{ ref('stg_probation_reoffending__cohort') }}
    qualify row_number() over (
        partition by person_id, cohort_quarter
        order by loaded_at desc, source_file desc, source_line desc
    ) = 1
)

select
    latest.*,
    lads.partnership_code
from latest
left join {{ ref('int_lads_placed') }} as lads on latest.lad_code = lads.lad_code
