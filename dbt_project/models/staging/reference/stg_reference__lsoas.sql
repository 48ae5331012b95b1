-- LSOA (2011) -> local authority district (2019), with deprivation.
select
    "LSOA code (2011)" as lsoa_code,
    "LSOA name (2011)" as lsoa_name,
    "Local Authority District code (2019)" as lad_code,
    "Local Authority District name (2019)" as lad_name,
    "Index of Multiple Deprivation (IMD) Rank" as imd_rank,
    "Index of Multiple Deprivation (IMD) Decile" as imd_decile
from {{ ref('lsoa_imd2019') }}
