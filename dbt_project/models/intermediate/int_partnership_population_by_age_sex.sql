{{ config(materialized='table') }}
-- Resident population of each partnership by sex and age band, apportioned exactly as
-- int_lsoas_placed apportions all ages: each LSOA holds an equal share of its population
-- area's band population, and a partnership sums its LSOAs' shares. Summed over bands and
-- sexes this is dim_partnerships.population (before rounding).
with lsoas_per_area as (
    -- how many of a population area's LSOAs lie in each partnership
    select
        population_area_code,
        partnership_code,
        count(*) as lsoas,
        sum(count(*)) over (partition by population_area_code) as area_lsoas
    from {{ ref('int_lsoas_placed') }}
    group by population_area_code, partnership_code
),

bands as (
    select
        lsoas_per_area.partnership_code,
        lsoas_per_area.population_area_code,
        population.sex,
        population.age_band_start,
        population.age_band_end,
        cast(population.population * lsoas_per_area.lsoas as {{ type_double() }})
            / lsoas_per_area.area_lsoas as population
    from lsoas_per_area
    inner join {{ ref('stg_reference__population_by_age_sex') }} as population
        on lsoas_per_area.population_area_code = population.lad_code
)

select
    bands.partnership_code,
    bands.sex,
    bands.age_band_start,
    bands.age_band_end,
    esp.esp_age_band,
    esp.esp_weight,
    -- shares of split areas are fractions: added in a fixed order (not sum(), whose order
    -- changes from build to build) so that every build gives the same last digit
    cast({{ ordered_sum('bands.population', 'bands.population_area_code') }}
        as {{ type_double() }}) as population
from bands
inner join {{ ref('esp2013') }} as esp
    on bands.age_band_start between esp.age_band_start and coalesce(esp.age_band_end, 999)
group by
    bands.partnership_code,
    bands.sex,
    bands.age_band_start,
    bands.age_band_end,
    esp.esp_age_band,
    esp.esp_weight
