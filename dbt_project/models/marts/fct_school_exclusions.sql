{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['pupil_id', 'exclusion_date', 'school_urn'],
    pre_hook='{{ find_withdrawn_loads(ref("stg_school_exclusions__exclusions")) }}',
    post_hook='{{ delete_withdrawn_records() }}',
) }}
-- School suspensions and permanent exclusions: one row per exclusion (a record re-sent in a
-- later extract keeps its latest version), placed in a partnership by the district of the
-- school (lad_code), whichever authority's system sent it: a county's records fall in its
-- districts' partnerships. With academic and financial year. Built incrementally
-- (macros/incremental_records.sql).
{%- set keys = ['pupil_id', 'exclusion_date', 'school_urn'] %}
with latest as (
    {{ latest_versions(
        ref('stg_school_exclusions__exclusions'), keys,
        where=changed_records(ref('stg_school_exclusions__exclusions'), keys)) }}
),

years as (
    select
        latest.*,
        cast(extract(year from exclusion_date) as integer)
            - case when extract(month from exclusion_date) < 9 then 1 else 0 end
            as academic_year_begins
    from latest
)

select
    years.pupil_id,
    years.school_urn,
    years.exclusion_date,
    years.exclusion_month,
    cast(years.academic_year_begins as {{ dbt.type_string() }}) || '/'
        || right(cast(years.academic_year_begins + 1 as {{ dbt.type_string() }}), 2)
        as academic_year,
    cast(cast(years.academic_year_begins as {{ dbt.type_string() }}) || '-09-01' as date)
        as academic_year_start,
    {{ financial_year_label('years.exclusion_date') }} as financial_year,
    years.la_code,
    years.lad_code,
    lads.partnership_code,
    years.exclusion_type,
    years.reason,
    years.reason in ('physical_assault_pupil', 'physical_assault_adult') as is_physical_assault,
    years.days_lost,
    years.pupil_age,
    years.pupil_sex,
    years.source_file,
    years.source_line,
    years.loaded_at,
    {{ build_started_at() }} as built_at
from years
left join {{ ref('int_lads_placed') }} as lads on years.lad_code = lads.lad_code
