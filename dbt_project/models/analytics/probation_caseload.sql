-- The probation caseload for analysts: one row per person under supervision and month-end
-- snapshot, with partnership and month. People whose residence cannot be placed keep a NULL
-- partnership_code.
{{ config(materialized='view') }}

select
    'probation_caseload' as source,
    caseload.person_id,
    cast(caseload.snapshot_month as date) as month,
    caseload.financial_year,
    caseload.partnership_code,
    partnerships.partnership_name,
    caseload.lad_code,
    caseload.lsoa_code,
    caseload.offence_group,
    caseload.rosh_level,
    caseload.is_high_risk,
    caseload.mappa_category,
    caseload.mappa_level,
    caseload.is_mappa,
    caseload.order_type,
    caseload.order_start_date
from {{ ref('fct_probation_caseload') }} as caseload
left join {{ ref('dim_partnerships') }} as partnerships
    on caseload.partnership_code = partnerships.partnership_code
