-- data.police.uk street-level records, renamed and typed.
select
    "Crime ID" as crime_id,
    "Month" as month,
    "Reported by" as reported_by,
    "Falls within" as falls_within,
    "Longitude" as longitude,
    "Latitude" as latitude,
    "Location" as location_description,
    "LSOA code" as lsoa_code,
    "LSOA name" as lsoa_name,
    "Crime type" as crime_type,
    "Last outcome category" as last_outcome_category,
    "Context" as context,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('policeuk', 'policeuk_street') }}
