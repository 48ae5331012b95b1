-- The DfE's published pupil attendance for local authorities (national and regional rows
-- left out), each authority placed through int_dfe_las_placed. The attendance table is
-- republished as the year goes on: per year, period, authority and phase the most recently
-- loaded row is kept.
with latest as (
    select *
    from {{ ref('stg_dfe_attendance_la__attendance') }}
    where geographic_level = 'Local authority'
    {{ latest_version_filter(['academic_year', 'time_identifier', 'la_code', 'education_phase']) }}
)

select
    latest.* exclude (geographic_level, country_code, country_name),
    placed.la_type,
    placed.partnership_code,
    placed.placement
from latest
left join {{ ref('int_dfe_las_placed') }} as placed on latest.la_code = placed.la_code
