-- Probation caseload snapshots counted once per person and month (a record re-sent in a
-- later extract keeps its latest version), placed in a partnership by the LSOA of residence,
-- or by the district of residence when the LSOA is not known.
with latest as (
    {{ latest_versions(ref('stg_probation_caseload__snapshots'), ['person_id', 'snapshot_month']) }}
)

select
    latest.*,
    coalesce(lsoas.partnership_code, lads.partnership_code) as partnership_code,
    case
        when lsoas.partnership_code is not null then 'lsoa'
        when lads.partnership_code is not null then 'district'
    end as placed_by,
    {{ financial_year_label('latest.snapshot_month') }} as financial_year,
    latest.rosh_level in ('high', 'very_high') as is_high_risk,
    latest.mappa_category is not null as is_mappa
from latest
left join {{ ref('int_lsoas_placed') }} as lsoas on latest.lsoa_code = lsoas.lsoa_code
left join {{ ref('int_lads_placed') }} as lads on latest.lad_code = lads.lad_code
