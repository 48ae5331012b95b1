-- ED assault attendances (ISTV): the health fact behind the Cardiff Model, one row per
-- attendance, with partnership (by the LSOA of the assault) and period (of arrival), and the
-- department's home partnership (int_ae_sites_placed) that counts it when it has no location.
select
    attendances.site_code,
    attendances.attendance_id,
    attendances.partnership_code,
    sites.partnership_code as site_partnership_code,
    coalesce(attendances.partnership_code, sites.partnership_code) as counted_partnership_code,
    attendances.lsoa_code,
    attendances.has_usable_location,
    attendances.reporting_period,
    attendances.arrival_at,
    attendances.arrival_month,
    attendances.financial_year_start,
    attendances.financial_year,
    attendances.assault_at,
    attendances.assault_method,
    attendances.assault_method_other,
    attendances.location_type,
    attendances.location_description,
    attendances.patient_age,
    attendances.patient_sex,
    attendances.source_file,
    attendances.source_line
from {{ ref('int_ae_attendances_placed') }} as attendances
left join {{ ref('int_ae_sites_placed') }} as sites on attendances.site_code = sites.site_code
