-- Police records for analysts from both police sources, one row per crime (or anti-social
-- behaviour incident): the forces' own crime-system exports (source police_crimes, with the
-- Home Office offence classification) and the public data.police.uk files (source
-- policeuk_street, with police.uk's crime type only). Records that cannot be placed in a
-- partnership keep a NULL partnership_code and stay visible.
{{ config(materialized='view') }}

with force_exports as (
    select
        'police_crimes' as source,
        crimes.crime_reference,
        cast(crimes.recorded_month as date) as month,
        crimes.financial_year,
        subgroups.offence_group_name as crime_type,
        crimes.offence_group,
        crimes.offence_subgroup,
        subgroups.offence_subgroup_name,
        crimes.lsoa_code,
        crimes.partnership_code,
        crimes.location_type,
        crimes.is_domestic_abuse,
        crimes.is_alcohol_related,
        crimes.is_knife_or_sharp_instrument,
        crimes.occurred_at,
        crimes.outcome
    from {{ ref('fct_police_crimes') }} as crimes
    left join {{ ref('offence_classification') }} as subgroups
        on crimes.offence_subgroup = subgroups.offence_subgroup
),

published as (
    select
        'policeuk_street' as source,
        crime_id as crime_reference,
        cast(month as date) as month,
        financial_year,
        crime_type,
        cast(null as {{ dbt.type_string() }}) as offence_group,
        cast(null as {{ dbt.type_string() }}) as offence_subgroup,
        cast(null as {{ dbt.type_string() }}) as offence_subgroup_name,
        lsoa_code,
        partnership_code,
        cast(null as {{ dbt.type_string() }}) as location_type,
        cast(null as boolean) as is_domestic_abuse,
        cast(null as boolean) as is_alcohol_related,
        cast(null as boolean) as is_knife_or_sharp_instrument,
        cast(null as timestamp) as occurred_at,
        last_outcome_category as outcome
    from {{ ref('fct_policeuk_crimes') }}
),

unioned as (
    select * from force_exports
    union all
    select * from published
)

select
    unioned.source,
    unioned.crime_reference,
    unioned.month,
    unioned.financial_year,
    unioned.crime_type,
    unioned.offence_group,
    unioned.offence_subgroup,
    unioned.offence_subgroup_name,
    unioned.lsoa_code,
    unioned.partnership_code,
    partnerships.partnership_name,
    unioned.location_type,
    unioned.is_domestic_abuse,
    unioned.is_alcohol_related,
    unioned.is_knife_or_sharp_instrument,
    unioned.occurred_at,
    unioned.outcome
from unioned
left join {{ ref('dim_partnerships') }} as partnerships
    on unioned.partnership_code = partnerships.partnership_code
