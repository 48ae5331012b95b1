-- police.uk records placed in partnerships. A crime published again in a later file keeps
-- its latest version; anti-social behaviour rows (no Crime ID) are each their own record.
with latest as (
    {{ latest_versions(ref('stg_policeuk__street_crimes'), ['crime_id'], keep_null_keys=true) }}
)

select
    latest.*,
    placed.partnership_code
from latest
left join {{ ref('int_lsoas_placed') }} as placed on latest.lsoa_code = placed.lsoa_code
