-- One row per crime record as loaded, renamed and typed; a record re-sent in a later
-- extract appears once per file here and is counted once in fct_police_crimes.
select
    crime_reference,
    force_code,
    recorded_date,
    occurred_at,
    cast({{ dbt.date_trunc('month', 'recorded_date') }} as date) as recorded_month,
    offence_group,
    offence_subgroup,
    ho_offence_code,
    lsoa_code,
    location_type,
    domestic_abuse_flag as is_domestic_abuse,
    alcohol_flag as is_alcohol_related,
    knife_flag as is_knife_or_sharp_instrument,
    victim_age,
    victim_sex,
    outcome,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('police', 'police_crimes') }}
