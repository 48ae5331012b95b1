-- Each local authority district placed in its Community Safety Partnership. Districts that
-- the lookup maps to several partnerships (post-2019 mergers, see seeds/README.md) are not
-- placed yet: partnership_code is NULL for them.
select
    lad_code,
    min(lad_name) as lad_name,
    count(*) as partnerships_per_lad,
    case when count(*) = 1 then min(partnership_code) end as partnership_code
from {{ ref('stg_reference__lad_to_csp') }}
group by lad_code
