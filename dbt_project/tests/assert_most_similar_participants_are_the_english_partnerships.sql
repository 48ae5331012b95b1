-- The partnerships that take part in the Most Similar Groups are exactly those of
-- dim_partnerships with English LSOAs (293 of the lookup's 314; the 21 Welsh ones have none).
select
    coalesce(partnerships.partnership_code, variables.partnership_code) as partnership_code,
    partnerships.lsoas,
    variables.population
from (select * from {{ ref('dim_partnerships') }} where lsoas > 0) as partnerships
full outer join {{ ref('int_partnership_similarity_variables') }} as variables
    on partnerships.partnership_code = variables.partnership_code
where partnerships.partnership_code is null or variables.partnership_code is null
