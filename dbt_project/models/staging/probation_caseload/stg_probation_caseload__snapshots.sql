-- One row per person per monthly caseload snapshot as loaded, renamed and typed; a record
-- re-sent in a later extract appears once per file here and is counted once in
-- fct_probation_caseload.
select
    person_id,
    cast(snapshot_month as date) as snapshot_month,
    lsoa_code,
    lad_code,
    offence_group,
    rosh_level,
    cast(mappa_category as integer) as mappa_category,
    cast(mappa_level as integer) as mappa_level,
    order_type,
    order_start_date,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('probation_caseload', 'probation_caseload') }}
