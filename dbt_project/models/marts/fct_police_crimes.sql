-- Recorded crimes: the police fact, one row per crime, with partnership and period.
select
    crime_reference,
    force_code,
    partnership_code,
    recorded_date,
    recorded_month,
    financial_year_start,
    financial_year,
    occurred_at,
    offence_group,
    offence_subgroup,
    ho_offence_code,
    lsoa_code,
    location_type,
    is_domestic_abuse,
    is_alcohol_related,
    is_knife_or_sharp_instrument,
    victim_age,
    victim_sex,
    outcome,
    source_file,
    source_line
from {{ ref('int_police_crimes_placed') }}
