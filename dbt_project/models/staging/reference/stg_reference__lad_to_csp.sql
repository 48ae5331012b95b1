-- Local authority district -> Community Safety Partnership -> police force area.
select
    "lad-code" as lad_code,
    "lad-name" as lad_name,
    "csp-code" as partnership_code,
    "csp-name" as partnership_name,
    "PFA21CD" as force_code,
    "PFA21NM" as force_name
from {{ ref('lad_to_csp') }}
