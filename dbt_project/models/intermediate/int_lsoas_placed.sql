-- Each LSOA placed in its Community Safety Partnership, with its share of the population.
-- Placement: through its district when the lookup gives the district one partnership;
-- otherwise through the former district that starts the LSOA's name
-- (seeds/reference/partnership_reconciliation.csv, see seeds/README.md).
with lsoas as (
    select
        lsoa_code,
        lsoa_name,
        lad_code,
        imd_decile,
        {{ regex_replace('lsoa_name', ' [0-9]{3}[A-Z]$', '') }} as former_district
    from {{ ref('stg_reference__lsoas') }}
),

population_areas as (
    -- the population file uses 2020 codes: Buckinghamshire's 2019 districts are one area
    select
        lsoas.*,
        coalesce(changes.lad20cd, lsoas.lad_code) as population_area_code
    from lsoas
    left join {{ ref('lad_2019_to_2020') }} as changes on lsoas.lad_code = changes.lad19cd
)

select
    areas.lsoa_code,
    areas.lsoa_name,
    areas.lad_code,
    areas.imd_decile,
    coalesce(lads.partnership_code, reconciled.partnership_code) as partnership_code,
    case
        when lads.partnership_code is not null then 'lookup'
        when reconciled.partnership_code is not null then 'reconciled'
    end as placed_by,
    areas.population_area_code,
    cast(population.population as {{ type_double() }})
        / count(*) over (partition by areas.population_area_code) as population_share
from population_areas as areas
left join {{ ref('int_lads_placed') }} as lads on areas.lad_code = lads.lad_code
left join {{ ref('partnership_reconciliation') }} as reconciled
    on lads.partnership_code is null and areas.former_district = reconciled.former_district
left join {{ ref('stg_reference__population') }} as population
    on areas.population_area_code = population.area_code
