-- police.uk records placed in partnerships. A crime published again in a later file keeps
-- its latest version; anti-social behaviour rows (no Crime ID) are each their own record.
with latest as (
    select *
    from {{ ref('stg_policeuk__street_crimes') }}
    qualify crime_id is null or row_number() over (
        partition by crime_id order by loaded_at desc, source_file desc, source_line desc
    ) = 1
)

select
    latest.*,
    placed.partnership_code
from latest
left join {{ ref('int_lsoas_placed') }} as placed on latest.lsoa_code = placed.lsoa_code
