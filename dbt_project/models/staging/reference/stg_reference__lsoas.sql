-- LSOA (2011) -> local authority district (2019), with deprivation.
select
    {{ adapter.quote('LSOA code (2011)') }} as lsoa_code,
    {{ adapter.quote('LSOA name (2011)') }} as lsoa_name,
    {{ adapter.quote('Local Authority District code (2019)') }} as lad_code,
    {{ adapter.quote('Local Authority District name (2019)') }} as lad_name,
    {{ adapter.quote('Index of Multiple Deprivation (IMD) Rank') }} as imd_rank,
    {{ adapter.quote('Index of Multiple Deprivation (IMD) Decile') }} as imd_decile
from {{ ref('lsoa_imd2019') }}
