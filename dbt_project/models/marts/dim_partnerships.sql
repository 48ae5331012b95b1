-- One row per Community Safety Partnership with its force, region and population.
with lads as (
    select
        lookup.partnership_code,
        lookup.partnership_name,
        lookup.force_code,
        lookup.force_name,
        lookup.lad_code,
        regions.region_code,
        regions.region_name,
        population.population,
        count(*) over (partition by lookup.lad_code) as partnerships_per_lad
    from {{ ref('stg_reference__lad_to_csp') }} as lookup
    left join {{ ref('stg_reference__lad_regions') }} as regions
        on lookup.lad_code = regions.lad_code
    left join {{ ref('stg_reference__population') }} as population
        on lookup.lad_code = population.area_code
)

select
    partnership_code,
    min(partnership_name) as partnership_name,
    min(force_code) as force_code,
    min(force_name) as force_name,
    min(region_code) as region_code,
    min(region_name) as region_name,
    count(*) as local_authorities,
    -- a population shared with other partnerships cannot be split: left NULL, not guessed
    case when max(partnerships_per_lad) = 1 then sum(population) end as population
from lads
group by partnership_code
