-- Each LSOA placed in its Community Safety Partnership through its local authority.
-- Local authorities that the lookup maps to several partnerships (post-2019 mergers, see
-- seeds/README.md) are not placed yet: their LSOAs get a NULL partnership.
select
    lsoas.lsoa_code,
    lsoas.lad_code,
    lsoas.imd_decile,
    lads.partnership_code
from {{ ref('stg_reference__lsoas') }} as lsoas
left join {{ ref('int_lads_placed') }} as lads on lsoas.lad_code = lads.lad_code
