{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['person_id', 'snapshot_month'],
    pre_hook='{{ find_withdrawn_loads(ref("stg_probation_caseload__snapshots")) }}',
    post_hook='{{ delete_withdrawn_records() }}',
) }}
-- People under probation supervision: one row per person and month-end snapshot (a record
-- re-sent in a later extract keeps its latest version), placed in a partnership by the LSOA of
-- residence, or by the district of residence when the LSOA is not known. Built incrementally
-- (macros/incremental_records.sql).
with latest as (
    {{ latest_versions(
        ref('stg_probation_caseload__snapshots'), ['person_id', 'snapshot_month'],
        where=changed_records(
            ref('stg_probation_caseload__snapshots'), ['person_id', 'snapshot_month'])) }}
)

select
    latest.person_id,
    latest.snapshot_month,
    {{ financial_year_label('latest.snapshot_month') }} as financial_year,
    coalesce(lsoas.partnership_code, lads.partnership_code) as partnership_code,
    case
        when lsoas.partnership_code is not null then 'lsoa'
        when lads.partnership_code is not null then 'district'
    end as placed_by,
    latest.lad_code,
    latest.lsoa_code,
    latest.offence_group,
    latest.rosh_level,
    latest.rosh_level in ('high', 'very_high') as is_high_risk,
    latest.mappa_category,
    latest.mappa_level,
    latest.mappa_category is not null as is_mappa,
    latest.order_type,
    latest.order_start_date,
    latest.source_file,
    latest.source_line,
    latest.loaded_at,
    {{ build_started_at() }} as built_at
from latest
left join {{ ref('int_lsoas_placed') }} as lsoas on latest.lsoa_code = lsoas.lsoa_code
left join {{ ref('int_lads_placed') }} as lads on latest.lad_code = lads.lad_code
