-- Police recorded crimes for analysts: one row per crime, with partnership and month.
-- Records that cannot be placed in a partnership keep a NULL partnership_code.
{{ config(materialized='view') }}

select
    'police_crimes' as source,
    crimes.crime_reference,
    cast(crimes.recorded_month as date) as month,
    crimes.financial_year,
    subgroups.offence_group_name as crime_type,
    crimes.offence_group,
    crimes.offence_subgroup,
    subgroups.offence_subgroup_name,
    crimes.lsoa_code,
    crimes.partnership_code,
    partnerships.partnership_name,
    crimes.location_type,
    crimes.is_domestic_abuse,
    crimes.is_alcohol_related,
    crimes.is_knife_or_sharp_instrument,
    crimes.occurred_at,
    crimes.outcome
from {{ ref('fct_police_crimes') }} as crimes
left join {{ ref('dim_partnerships') }} as partnerships
    on crimes.partnership_code = partnerships.partnership_code
left join {{ ref('offence_classification') }} as subgroups
    on crimes.offence_subgroup = subgroups.offence_subgroup
