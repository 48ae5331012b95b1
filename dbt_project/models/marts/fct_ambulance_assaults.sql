-- Ambulance incidents coded as assault, one row per incident, with partnership and period.
select
    service_area_code,
    incident_id,
    partnership_code,
    lsoa_code,
    call_at,
    call_month,
    financial_year_start,
    financial_year,
    incident_category,
    is_conveyed,
    source_file,
    source_line
from {{ ref('int_ambulance_incidents_placed') }}
