-- People under probation supervision: one row per person and month-end snapshot, with the
-- partnership they live in.
select
    person_id,
    snapshot_month,
    financial_year,
    partnership_code,
    placed_by,
    lad_code,
    lsoa_code,
    offence_group,
    rosh_level,
    is_high_risk,
    mappa_category,
    mappa_level,
    is_mappa,
    order_type,
    order_start_date,
    source_file,
    source_line
from {{ ref('int_probation_caseload_placed') }}
