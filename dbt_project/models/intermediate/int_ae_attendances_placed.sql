{{ config(materialized='table') }}
-- A table, not a view: the models and tests that read it would each compute it again.
-- ED assault attendances counted once (a record re-sent in a later extract keeps its latest
-- version) and placed in a partnership by the LSOA of the assault, when there is one.
with latest as (
    {{ latest_versions(ref('stg_ae_istv__attendances'), ['site_code', 'attendance_id']) }}
)

select
    latest.*,
    placed.lsoa_code is not null as has_usable_location,
    placed.partnership_code,
    {{ financial_year_start('latest.arrival_month') }} as financial_year_start,
    {{ financial_year_label('latest.arrival_month') }} as financial_year
from latest
left join {{ ref('int_lsoas_placed') }} as placed on latest.lsoa_code = placed.lsoa_code
