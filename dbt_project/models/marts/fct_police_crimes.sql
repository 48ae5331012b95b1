{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='crime_reference',
    pre_hook='{{ find_withdrawn_loads(ref("stg_police__crimes")) }}',
    post_hook='{{ delete_withdrawn_records() }}',
) }}
-- Recorded crimes: the police fact, one row per crime, with partnership and period. A crime
-- re-sent in a later extract counts once, its latest version winning (latest_versions); it is
-- placed in a partnership by the LSOA of the offence. Built incrementally: a build recomputes
-- only the crimes with a new or withdrawn version (macros/incremental_records.sql).
with latest as (
    {{ latest_versions(
        ref('stg_police__crimes'), ['crime_reference'],
        where=changed_records(ref('stg_police__crimes'), ['crime_reference'])) }}
)

select
    latest.crime_reference,
    latest.force_code,
    placed.partnership_code,
    latest.recorded_date,
    latest.recorded_month,
    {{ financial_year_start('latest.recorded_date') }} as financial_year_start,
    {{ financial_year_label('latest.recorded_date') }} as financial_year,
    latest.occurred_at,
    latest.offence_group,
    latest.offence_subgroup,
    latest.ho_offence_code,
    latest.lsoa_code,
    latest.location_type,
    latest.is_domestic_abuse,
    latest.is_alcohol_related,
    latest.is_knife_or_sharp_instrument,
    latest.victim_age,
    latest.victim_sex,
    latest.outcome,
    latest.source_file,
    latest.source_line,
    latest.loaded_at,
    {{ build_started_at() }} as built_at
from latest
left join {{ ref('int_lsoas_placed') }} as placed on latest.lsoa_code = placed.lsoa_code
