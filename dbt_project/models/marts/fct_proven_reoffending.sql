-- Proven reoffending: one row per person and cohort quarter, with the partnership they lived
-- in, and whether the same person (the same keyed hash of the CRN) is on the probation
-- caseload in any loaded snapshot.
with supervised as (
    select distinct person_id from {{ ref('fct_probation_caseload') }}
)

select
    cohort.person_id,
    cohort.cohort_quarter,
    cohort.cohort_quarter_start,
    cohort.partnership_code,
    cohort.lad_code,
    cohort.offence_group,
    cohort.reoffended,
    cohort.reoffences,
    supervised.person_id is not null as is_on_probation_caseload,
    cohort.source_file,
    cohort.source_line
from {{ ref('int_proven_reoffending_placed') }} as cohort
left join supervised on cohort.person_id = supervised.person_id
