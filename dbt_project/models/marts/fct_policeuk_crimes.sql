{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='crime_id',
    pre_hook='{{ find_withdrawn_loads(ref("stg_policeuk__street_crimes")) }}',
    post_hook='{{ delete_withdrawn_records() }}',
) }}
-- Published police.uk records: one row per crime (or anti-social behaviour incident), placed
-- in a partnership by its LSOA and in a financial year. A crime published again in a later
-- file keeps its latest version; anti-social behaviour rows (no Crime ID) are each their own
-- record. Built incrementally (macros/incremental_records.sql).
with latest as (
    {{ latest_versions(
        ref('stg_policeuk__street_crimes'), ['crime_id'],
        where=changed_records(ref('stg_policeuk__street_crimes'), ['crime_id'], keep_null_keys=true),
        keep_null_keys=true) }}
)

select
    latest.crime_id,
    latest.month,
    {{ financial_year_start('latest.month') }} as financial_year_start,
    {{ financial_year_label('latest.month') }} as financial_year,
    latest.crime_type,
    latest.reported_by,
    latest.falls_within,
    latest.lsoa_code,
    latest.lsoa_name,
    placed.partnership_code,
    latest.longitude,
    latest.latitude,
    latest.location_description,
    latest.last_outcome_category,
    latest.source_file,
    latest.source_line,
    latest.loaded_at,
    {{ build_started_at() }} as built_at
from latest
left join {{ ref('int_lsoas_placed') }} as placed on latest.lsoa_code = placed.lsoa_code
