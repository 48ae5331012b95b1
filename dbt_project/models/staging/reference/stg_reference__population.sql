-- ONS mid-2019 resident population, all ages, by area.
select
    {{ adapter.quote('Code') }} as area_code,
    {{ adapter.quote('Name') }} as area_name,
    {{ adapter.quote('Geography1') }} as geography,
    {{ adapter.quote('All ages') }} as population
from {{ ref('population_mye2019') }}
