-- Local authority district (December 2020) -> region, England.
select
    "LAD20CD" as lad_code,
    "LAD20NM" as lad_name,
    "RGN20CD" as region_code,
    "RGN20NM" as region_name
from {{ ref('lad_to_region_2020') }}
