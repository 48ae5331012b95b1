-- One row per exclusion as loaded, renamed and typed; a record re-sent in a later extract
-- appears once per file here and is counted once in fct_school_exclusions.
select
    pupil_id,
    school_urn,
    la_code,
    lad_code,
    exclusion_date,
    cast({{ dbt.date_trunc('month', 'exclusion_date') }} as date) as exclusion_month,
    exclusion_type,
    reason,
    days_lost,
    pupil_age,
    pupil_sex,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('school_exclusions', 'school_exclusions') }}
