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

days_either_side as (
    select -1 as shift
    union all select 0
    union all select 1
),

candidates as (
    -- each attendance on the day before its assault, the day itself and the day after: an
    -- equality join on the date (a range join over every VAP crime of the partnership and
    -- LSOA was 5 s at national scale, this under 1 s)
    select
        attendances.site_code,
        attendances.attendance_id,
        attendances.partnership_code,
        attendances.lsoa_code,
        cast({{ dbt.dateadd('day', 'days_either_side.shift', 'attendances.assault_date') }}
            as date) as offence_date
    from attendances
    cross join days_either_side
),

matches as (
    select distinct
        candidates.site_code,
        candidates.attendance_id
    from candidates
    where exists (
        select 1
        from {{ ref('fct_police_crimes') }} as crimes
        where crimes.offence_group = 'VAP'
            and crimes.partnership_code = candidates.partnership_code
            and crimes.lsoa_code = candidates.lsoa_code
            and cast(coalesce(crimes.occurred_at, crimes.recorded_date) as date)
            = candidates.offence_date
    )
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
