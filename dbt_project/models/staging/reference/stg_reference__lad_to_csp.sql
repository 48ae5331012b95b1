-- Local authority district -> Community Safety Partnership -> police force area.
select
    {{ adapter.quote('lad-code') }} as lad_code,
    {{ adapter.quote('lad-name') }} as lad_name,
    {{ adapter.quote('csp-code') }} as partnership_code,
    {{ adapter.quote('csp-name') }} as partnership_name,
    {{ adapter.quote('PFA21CD') }} as force_code,
    {{ adapter.quote('PFA21NM') }} as force_name
from {{ ref('lad_to_csp') }}
