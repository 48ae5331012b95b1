-- The variables behind the Most Similar Groups, one row per partnership that takes part:
-- raw values (what they mean) and z-scores (what the distance uses).
-- Method: docs/most_similar_groups.md.
select
    variables.partnership_code,
    partnerships.partnership_name,
    variables.lsoas,
    variables.population,
    variables.area_sq_km,
    variables.people_per_sq_km,
    variables.log10_population,
    variables.log10_people_per_sq_km,
    variables.share_aged_0_15,
    variables.share_aged_16_24,
    variables.share_aged_65_plus,
    variables.share_lsoas_imd_decile_1,
    variables.mean_imd_rank,
    variables.z_log10_population,
    variables.z_log10_people_per_sq_km,
    variables.z_share_aged_0_15,
    variables.z_share_aged_16_24,
    variables.z_share_aged_65_plus,
    variables.z_share_lsoas_imd_decile_1,
    variables.z_mean_imd_rank
from {{ ref('int_partnership_similarity_variables') }} as variables
inner join {{ ref('dim_partnerships') }} as partnerships
    on variables.partnership_code = partnerships.partnership_code
order by variables.partnership_code
