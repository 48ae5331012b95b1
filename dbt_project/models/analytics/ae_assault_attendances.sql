-- ED assault attendances (ISTV) for analysts: one row per attendance, with partnership and
-- month of arrival. Attendances without a usable location keep a NULL partnership_code.
{{ config(materialized='view') }}

select
    'ae_istv' as source,
    attendances.site_code,
    attendances.attendance_id,
    cast(attendances.arrival_month as date) as month,
    attendances.financial_year,
    attendances.partnership_code,
    partnerships.partnership_name,
    attendances.lsoa_code,
    attendances.has_usable_location,
    attendances.arrival_at,
    attendances.assault_at,
    attendances.assault_method,
    attendances.assault_method_other,
    attendances.location_type,
    attendances.location_description,
    attendances.patient_age,
    attendances.patient_sex
from {{ ref('fct_ae_assault_attendances') }} as attendances
left join {{ ref('dim_partnerships') }} as partnerships
    on attendances.partnership_code = partnerships.partnership_code
