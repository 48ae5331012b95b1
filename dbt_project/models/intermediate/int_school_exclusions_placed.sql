-- School exclusions counted once (a record re-sent in a later extract keeps its latest
-- version), placed in a partnership by the district of the school (lad_code), whichever
-- authority's system sent it: a county's records fall in its districts' partnerships.
with latest as (
    {{ latest_versions(
        ref('stg_school_exclusions__exclusions'), ['pupil_id', 'exclusion_date', 'school_urn']) }}
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
    {{ star_except(ref('stg_school_exclusions__exclusions'), 'years', ['academic_year_begins']) }},
    cast(academic_year_begins as {{ dbt.type_string() }}) || '/'
        || right(cast(academic_year_begins + 1 as {{ dbt.type_string() }}), 2) as academic_year,
    cast(cast(academic_year_begins as {{ dbt.type_string() }}) || '-09-01' as date)
        as academic_year_start,
    {{ financial_year_label('years.exclusion_date') }} as financial_year,
    years.reason in ('physical_assault_pupil', 'physical_assault_adult') as is_physical_assault,
    lads.partnership_code
from years
left join {{ ref('int_lads_placed') }} as lads on years.lad_code = lads.lad_code
