{{ config(materialized='table') }}
-- The seven variables that decide a partnership's Most Similar Group, and their z-scores
-- across the English partnerships that take part (those with LSOAs and population > 0).
-- Method: docs/most_similar_groups.md.
-- Sums, means and standard deviations of fractions add their terms in a fixed order
-- (ordered_sum, ordered_avg, ordered_stddev_samp in macros/cross_db, by LSOA, band or
-- partnership code), never with sum()/avg() or a window over (): their
-- order changes from build to build, and with it the last digit of a distance, which could
-- reorder two near neighbours (`pvw rebuild` reproduces every figure, docs/rebuild.md).
with lsoas as (
    select
        placed.lsoa_code,
        placed.partnership_code,
        placed.population_area_code,
        placed.population_share,
        lsoas.imd_rank,
        lsoas.imd_decile,
        count(*) over (partition by placed.population_area_code) as area_lsoas
    from {{ ref('int_lsoas_placed') }} as placed
    inner join {{ ref('stg_reference__lsoas') }} as lsoas on placed.lsoa_code = lsoas.lsoa_code
),

from_lsoas as (
    -- area apportioned like the population: each LSOA holds an equal share of its area's km²
    select
        lsoas.partnership_code,
        count(*) as lsoas,
        {{ ordered_sum('lsoas.population_share', 'lsoas.lsoa_code') }} as population,
        {{ ordered_sum('areas.area_sq_km / lsoas.area_lsoas', 'lsoas.lsoa_code') }} as area_sq_km,
        avg(cast(case when lsoas.imd_decile = 1 then 1 else 0 end as {{ type_double() }}))
            as share_lsoas_imd_decile_1,
        avg(lsoas.imd_rank) as mean_imd_rank
    from lsoas
    left join {{ ref('stg_reference__lad_areas') }} as areas
        on lsoas.population_area_code = areas.lad_code
    group by lsoas.partnership_code
),

ages as (
    select
        partnership_code,
        {%- set band_order = 'sex, age_band_start, age_band_end, population' %}
        {{ ordered_sum('case when age_band_end <= 15 then population else 0 end', band_order) }}
            as aged_0_15,
        {{ ordered_sum(
            'case when age_band_start >= 16 and age_band_end <= 24 then population else 0 end',
            band_order) }} as aged_16_24,
        {{ ordered_sum('case when age_band_start >= 65 then population else 0 end', band_order) }}
            as aged_65_plus,
        {{ ordered_sum('population', band_order) }} as population
    from {{ ref('int_partnership_population_by_age_sex') }}
    group by partnership_code
),

variables as (
    select
        from_lsoas.partnership_code,
        from_lsoas.lsoas,
        from_lsoas.population,
        from_lsoas.area_sq_km,
        from_lsoas.population / from_lsoas.area_sq_km as people_per_sq_km,
        log10(from_lsoas.population) as log10_population,
        log10(from_lsoas.population / from_lsoas.area_sq_km) as log10_people_per_sq_km,
        ages.aged_0_15 / ages.population as share_aged_0_15,
        ages.aged_16_24 / ages.population as share_aged_16_24,
        ages.aged_65_plus / ages.population as share_aged_65_plus,
        from_lsoas.share_lsoas_imd_decile_1,
        from_lsoas.mean_imd_rank
    from from_lsoas
    inner join ages on from_lsoas.partnership_code = ages.partnership_code
    where from_lsoas.population > 0
),

{%- set names = ['log10_population', 'log10_people_per_sq_km', 'share_aged_0_15',
                 'share_aged_16_24', 'share_aged_65_plus', 'share_lsoas_imd_decile_1',
                 'mean_imd_rank'] %}

spread as (
    select
        {%- for name in names %}
        {{ ordered_avg(name, 'partnership_code') }} as mean_{{ name }},
        {{ ordered_stddev_samp(name, 'partnership_code') }} as sd_{{ name }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from variables
)

select
    variables.*,
    {%- for name in names %}
    (variables.{{ name }} - spread.mean_{{ name }}) / spread.sd_{{ name }} as z_{{ name }}
    {{- "," if not loop.last }}
    {%- endfor %}
from variables
cross join spread
