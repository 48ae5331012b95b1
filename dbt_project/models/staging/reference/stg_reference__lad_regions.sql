-- Local authority district (December 2020) -> region, England, plus the two unitary
-- authorities that replaced Northamptonshire's districts in April 2021 (North and West
-- Northamptonshire, in the East Midlands), which the lad_to_csp lookup already uses.
select
    {{ adapter.quote('LAD20CD') }} as lad_code,
    {{ adapter.quote('LAD20NM') }} as lad_name,
    {{ adapter.quote('RGN20CD') }} as region_code,
    {{ adapter.quote('RGN20NM') }} as region_name
from {{ ref('lad_to_region_2020') }}
union all
select lad_code, lad_name, region_code, region_name
from (
    values
    ('E06000061', 'North Northamptonshire', 'E12000004', 'East Midlands'),
    ('E06000062', 'West Northamptonshire', 'E12000004', 'East Midlands')
) as successors (lad_code, lad_name, region_code, region_name)
