-- Each LSOA placed in its Community Safety Partnership through its local authority.
-- Local authorities that the lookup maps to several partnerships (post-2019 mergers, see
-- seeds/README.md) are not placed yet: their LSOAs get a NULL partnership.
with lad_partnerships as (
    select
        lad_code,
        count(*) as partnerships_per_lad,
        min(partnership_code) as partnership_code
    from {{ ref('stg_reference__lad_to_csp') }}
    group by lad_code
)

select
    lsoas.lsoa_code,
    lsoas.lad_code,
    lsoas.imd_decile,
    case when lad_partnerships.partnerships_per_lad = 1
        then lad_partnerships.partnership_code end as partnership_code
from {{ ref('stg_reference__lsoas') }} as lsoas
left join lad_partnerships on lsoas.lad_code = lad_partnerships.lad_code
