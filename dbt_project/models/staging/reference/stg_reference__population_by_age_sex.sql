-- ONS mid-2019 resident population of English districts by sex and age band
-- (ESP 2013 bands, 15-19 split into 15-15 and 16-19).
select
    lad_code,
    sex,
    age_band_start,
    age_band_end,
    population
from {{ ref('population_mye2019_age_sex') }}
