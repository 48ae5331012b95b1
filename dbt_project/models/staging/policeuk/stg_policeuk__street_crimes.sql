-- data.police.uk street-level records, renamed and typed.
select
    {{ adapter.quote('Crime ID') }} as crime_id,
    {{ adapter.quote('Month') }} as month,
    {{ adapter.quote('Reported by') }} as reported_by,
    {{ adapter.quote('Falls within') }} as falls_within,
    {{ adapter.quote('Longitude') }} as longitude,
    {{ adapter.quote('Latitude') }} as latitude,
    {{ adapter.quote('Location') }} as location_description,
    {{ adapter.quote('LSOA code') }} as lsoa_code,
    {{ adapter.quote('LSOA name') }} as lsoa_name,
    {{ adapter.quote('Crime type') }} as crime_type,
    {{ adapter.quote('Last outcome category') }} as last_outcome_category,
    {{ adapter.quote('Context') }} as context,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('policeuk', 'policeuk_street') }}
