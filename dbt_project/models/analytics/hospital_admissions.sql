-- Hospital admissions for assault for analysts: one count per district, financial year, age
-- band and sex, with partnership. A district that cannot be placed keeps a NULL partnership.
{{ config(materialized='view') }}

select
    'hospital_admissions' as source,
    admissions.financial_year,
    cast(admissions.financial_year_start as date) as period_start,
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, 'admissions.financial_year_start')) }}
        as date) as period_end,
    admissions.partnership_code,
    partnerships.partnership_name,
    admissions.lad_code,
    admissions.lad_name,
    admissions.age_band,
    admissions.age_band_start,
    admissions.sex,
    admissions.admissions
from {{ ref('fct_hospital_admissions') }} as admissions
left join {{ ref('dim_partnerships') }} as partnerships
    on admissions.partnership_code = partnerships.partnership_code
