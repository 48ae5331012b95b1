-- Ambulance assault incidents for analysts: one row per incident, with partnership and month
-- of the call. Incidents that cannot be placed keep a NULL partnership_code.
{{ config(materialized='view') }}

select
    'ambulance' as source,
    incidents.service_area_code,
    incidents.incident_id,
    cast(incidents.call_month as date) as month,
    incidents.financial_year,
    incidents.partnership_code,
    partnerships.partnership_name,
    incidents.lsoa_code,
    incidents.call_at,
    incidents.incident_category,
    incidents.is_conveyed
from {{ ref('fct_ambulance_assaults') }} as incidents
left join {{ ref('dim_partnerships') }} as partnerships
    on incidents.partnership_code = partnerships.partnership_code
