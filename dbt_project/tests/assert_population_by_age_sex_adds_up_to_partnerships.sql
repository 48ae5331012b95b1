-- Every partnership with English LSOAs has all 20 age bands for both sexes, and its bands add
-- up to dim_partnerships.population (rounded there) within one person; no other partnership
-- has bands.
with bands as (
    select
        partnership_code,
        count(*) as band_rows,
        sum(population) as population
    from {{ ref('int_partnership_population_by_age_sex') }}
    group by partnership_code
),

partnerships as (
    select partnership_code, population
    from {{ ref('dim_partnerships') }}
    where lsoas > 0
)

select
    coalesce(partnerships.partnership_code, bands.partnership_code) as partnership_code,
    partnerships.population as partnership_population,
    bands.population as bands_population,
    bands.band_rows
from partnerships
full outer join bands on partnerships.partnership_code = bands.partnership_code
where partnerships.partnership_code is null
    or bands.partnership_code is null
    or bands.band_rows != 40
    or abs(bands.population - partnerships.population) > 1
