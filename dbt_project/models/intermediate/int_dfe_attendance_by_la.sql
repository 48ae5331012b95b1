-- The DfE's published pupil attendance for local authorities (national and regional rows
-- left out), each authority placed through int_dfe_las_placed. The attendance table is
-- republished as the year goes on: per year, period, authority and phase the most recently
-- loaded row is kept.
with latest as (
    {{ latest_versions(
        ref('stg_dfe_attendance_la__attendance'),
        ['academic_year', 'time_identifier', 'la_code', 'education_phase'],
        where="geographic_level = 'Local authority'") }}
)

select
    {{ star_except(ref('stg_dfe_attendance_la__attendance'), 'latest',
        ['geographic_level', 'country_code', 'country_name']) }},
    placed.la_type,
    placed.partnership_code,
    placed.placement
from latest
left join {{ ref('int_dfe_las_placed') }} as placed on latest.la_code = placed.la_code
