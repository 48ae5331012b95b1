-- Police crimes counted once (a record re-sent in a later extract keeps its latest version)
-- and placed in a partnership by the LSOA of the offence.
with latest as (
    {{ latest_versions(ref('stg_police__crimes'), ['crime_reference']) }}
)

select
    latest.*,
    placed.partnership_code,
    {{ financial_year_start('latest.recorded_date') }} as financial_year_start,
    {{ financial_year_label('latest.recorded_date') }} as financial_year
from latest
left join {{ ref('int_lsoas_placed') }} as placed on latest.lsoa_code = placed.lsoa_code
