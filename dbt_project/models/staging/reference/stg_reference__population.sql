-- ONS mid-2019 resident population, all ages, by area.
select
    "Code" as area_code,
    "Name" as area_name,
    "Geography1" as geography,
    "All ages" as population
from {{ ref('population_mye2019') }}
