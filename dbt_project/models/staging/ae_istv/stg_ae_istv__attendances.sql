-- One row per ED assault attendance as loaded, renamed and typed; a record re-sent in a
-- later extract appears once per file here and is counted once in int_ae_attendances_placed.
select
    site_code,
    attendance_id,
    reporting_period,
    arrival_at,
    cast({{ dbt.date_trunc('month', 'arrival_at') }} as date) as arrival_month,
    assault_at,
    assault_method,
    assault_method_other,
    location_type,
    location_description,
    patient_age,
    patient_sex,
    lsoa_code,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('ae_istv', 'ae_istv') }}
