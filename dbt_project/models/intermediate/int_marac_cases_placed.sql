-- MARAC cases counted once (a case re-sent in a later extract keeps its latest version),
-- placed in the partnership the MARAC gave, when the partnership lookup knows that code.
with latest as (
    {{ latest_versions(ref('stg_marac_cases__cases'), ['case_id']) }}
),

partnerships as (
    select distinct partnership_code from {{ ref('stg_reference__lad_to_csp') }}
)

select
    latest.*,
    partnerships.partnership_code,
    {{ financial_year_label('latest.conference_date') }} as financial_year
from latest
left join partnerships on latest.reported_partnership_code = partnerships.partnership_code
