-- One row per MARAC case as loaded, renamed and typed; a case re-sent in a later extract
-- appears once per file here and is counted once in int_marac_cases_placed.
select
    case_id,
    conference_date,
    cast({{ dbt.date_trunc('month', 'conference_date') }} as date) as conference_month,
    partnership_code as reported_partnership_code,
    victim_id,
    referring_agency,
    victim_age_band,
    victim_sex,
    children_in_household,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('marac_cases', 'marac_cases') }}
