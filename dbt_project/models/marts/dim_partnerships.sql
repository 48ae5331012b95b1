-- One row per Community Safety Partnership with its force, region and population.
-- Population: the sum of its LSOAs' shares (int_lsoas_placed), which for a partnership of
-- whole districts is exactly their total; partnerships with no English LSOA (Wales) take
-- their districts' population directly.
with lookup as (
    select
        lookup.partnership_code,
        lookup.partnership_name,
        lookup.force_code,
        lookup.force_name,
        lookup.lad_code,
        regions.region_code,
        regions.region_name,
        population.population,
        lads.partnerships_per_lad
    from {{ ref('stg_reference__lad_to_csp') }} as lookup
    left join {{ ref('int_lads_placed') }} as lads on lookup.lad_code = lads.lad_code
    left join {{ ref('stg_reference__lad_regions') }} as regions
        on lookup.lad_code = regions.lad_code
    left join {{ ref('stg_reference__population') }} as population
        on lookup.lad_code = population.area_code
),

split_areas as (
    -- population areas whose LSOAs lie in more than one partnership
    select population_area_code
    from {{ ref('int_lsoas_placed') }}
    group by population_area_code
    having count(distinct partnership_code) > 1
),

from_lsoas as (
    select
        placed.partnership_code,
        count(*) as lsoas,
        sum(placed.population_share) as population,
        {{ dbt.bool_or('split_areas.population_area_code is not null') }}
            as population_is_apportioned
    from {{ ref('int_lsoas_placed') }} as placed
    left join split_areas on placed.population_area_code = split_areas.population_area_code
    group by placed.partnership_code
)

select
    lookup.partnership_code,
    min(lookup.partnership_name) as partnership_name,
    min(lookup.force_code) as force_code,
    min(lookup.force_name) as force_name,
    min(lookup.region_code) as region_code,
    min(lookup.region_name) as region_name,
    count(*) as local_authorities,
    coalesce(min(from_lsoas.lsoas), 0) as lsoas,
    cast(round(coalesce(
        min(from_lsoas.population),
        case when max(lookup.partnerships_per_lad) = 1 then sum(lookup.population) end
    )) as bigint) as population,
    coalesce({{ dbt.bool_or('from_lsoas.population_is_apportioned') }}, false)
        as population_is_apportioned
from lookup
left join from_lsoas on lookup.partnership_code = from_lsoas.partnership_code
group by lookup.partnership_code
