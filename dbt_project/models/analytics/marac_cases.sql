-- MARAC cases for analysts: one row per case heard, with partnership, month and the derived
-- repeat flag. Cases whose reported partnership is not known keep a NULL partnership_code.
{{ config(materialized='view') }}

select
    'marac_cases' as source,
    cases.case_id,
    cast(cases.conference_month as date) as month,
    cases.financial_year,
    cases.conference_date,
    cases.partnership_code,
    partnerships.partnership_name,
    cases.victim_id,
    cases.referring_agency,
    cases.victim_age_band,
    cases.victim_sex,
    cases.children_in_household,
    cases.is_repeat
from {{ ref('fct_marac_cases') }} as cases
left join {{ ref('dim_partnerships') }} as partnerships
    on cases.partnership_code = partnerships.partnership_code
