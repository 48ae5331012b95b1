-- One row per ambulance assault incident as loaded, renamed and typed; a record re-sent in a
-- later extract appears once per file here and is counted once in int_ambulance_incidents_placed.
select
    service_area_code,
    incident_id,
    call_at,
    cast({{ dbt.date_trunc('month', 'call_at') }} as date) as call_month,
    incident_category,
    lsoa_code,
    conveyed_flag as is_conveyed,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('ambulance', 'ambulance') }}
