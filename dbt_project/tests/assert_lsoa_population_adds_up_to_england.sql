-- The LSOAs' population shares (int_lsoas_placed) must add up to England's mid-2019
-- population: no district is lost or counted twice by the partnership reconciliation.
with shares as (
    select sum(population_share) as total from {{ ref('int_lsoas_placed') }}
),

england as (
    select population from {{ ref('stg_reference__population') }} where area_code = 'E92000001'
)

select shares.total, england.population
from shares cross join england
where abs(shares.total - england.population) > 1
