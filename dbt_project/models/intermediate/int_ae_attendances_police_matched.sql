{{ config(materialized='table') }}
-- ED assault attendances with a usable location, each marked matched when the police
-- recorded a violence against the person offence in the same partnership and LSOA within a
-- day of the assault (the assault's date when recorded, otherwise the arrival's). What is
-- left unmatched is "violence the police do not see".
with attendances as (
    select
        site_code,
        attendance_id,
        partnership_code,
        lsoa_code,
        arrival_month,
        cast(coalesce(assault_at, arrival_at) as date) as assault_date
    from {{ ref('fct_ae_assault_attendances') }}
    where has_usable_location
),

police_violence as (
    select distinct
        partnership_code,
        lsoa_code,
        cast(coalesce(occurred_at, recorded_date) as date) as offence_date
    from {{ ref('fct_police_crimes') }}
    where offence_group = 'VAP'
        and partnership_code is not null
        and lsoa_code is not null
),

matches as (
    select distinct
        attendances.site_code,
        attendances.attendance_id
    from attendances
    inner join police_violence
        on attendances.partnership_code = police_violence.partnership_code
        and attendances.lsoa_code = police_violence.lsoa_code
        and police_violence.offence_date
        between {{ dbt.dateadd('day', -1, 'attendances.assault_date') }}
        and {{ dbt.dateadd('day', 1, 'attendances.assault_date') }}
)

select
    attendances.site_code,
    attendances.attendance_id,
    attendances.partnership_code,
    attendances.lsoa_code,
    attendances.arrival_month,
    attendances.assault_date,
    matches.attendance_id is not null as has_police_match
from attendances
left join matches
    on attendances.site_code = matches.site_code
    and attendances.attendance_id = matches.attendance_id
