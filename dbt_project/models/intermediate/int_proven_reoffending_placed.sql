{{ config(materialized='table') }}
-- A table, not a view: the models and tests that read it would each compute it again.
-- Proven-reoffending cohort members counted once per person and cohort quarter (a record
-- re-sent in a later extract keeps its latest version), placed in a partnership by the
-- district of residence.
with latest as (
    {{ latest_versions(ref('stg_probation_reoffending__cohort'), ['person_id', 'cohort_quarter']) }}
)

select
    latest.*,
    lads.partnership_code
from latest
left join {{ ref('int_lads_placed') }} as lads on latest.lad_code = lads.lad_code
