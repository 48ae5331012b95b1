-- MARAC cases: one row per case heard, with partnership and month, and whether it is a
-- repeat: the same victim (the same keyed hash) heard at an earlier conference, or earlier at
-- the same conference, within the 12 months before this one.
with ordered as (
    select
        *,
        lag(conference_date) over (
            partition by victim_id order by conference_date, case_id
        ) as previous_conference_date
    from {{ ref('int_marac_cases_placed') }}
)

select
    case_id,
    conference_date,
    conference_month,
    financial_year,
    partnership_code,
    reported_partnership_code,
    victim_id,
    referring_agency,
    victim_age_band,
    victim_sex,
    children_in_household,
    previous_conference_date,
    coalesce(
        previous_conference_date >= {{ dbt.dateadd('month', -12, 'conference_date') }}, false
    ) as is_repeat,
    source_file,
    source_line
from ordered
