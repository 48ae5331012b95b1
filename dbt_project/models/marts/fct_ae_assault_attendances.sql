-- ED assault attendances (ISTV): the health fact behind the Cardiff Model, one row per
-- attendance, with partnership (by the LSOA of the assault) and period (of arrival).
select
    site_code,
    attendance_id,
    partnership_code,
    lsoa_code,
    has_usable_location,
    reporting_period,
    arrival_at,
    arrival_month,
    financial_year_start,
    financial_year,
    assault_at,
    assault_method,
    assault_method_other,
    location_type,
    location_description,
    patient_age,
    patient_sex,
    source_file,
    source_line
from {{ ref('int_ae_attendances_placed') }}
