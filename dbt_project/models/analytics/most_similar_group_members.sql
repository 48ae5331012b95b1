{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- Each partnership's Most Similar Group as a list to read: the partnership itself (member_rank
-- 0) and its 15 most similar partnerships (1 = most similar), each with the measures the
-- groups are built from in readable units (residents, people per km², the share aged 16-24,
-- the share of neighbourhoods in England's most deprived tenth, the mean deprivation rank)
-- and how many indicators the warehouse holds a value for (with the demonstration data most
-- members have only the school indicators, which is why groups are ranked on few
-- partnerships). Named area_code /
-- area_name like indicator_spine so one dashboard filter serves both. Read by the
-- "Partnership profile" dashboard.
with members as (
    select
        partnership_code,
        partnership_name,
        0 as member_rank,
        partnership_code as member_code,
        partnership_name as member_name,
        0.0 as distance
    from {{ ref('most_similar_group_variables') }}
    union all
    select
        partnership_code,
        partnership_name,
        neighbour_rank as member_rank,
        similar_partnership_code as member_code,
        similar_partnership_name as member_name,
        distance
    from {{ ref('most_similar_groups') }}
),

with_data as (
    select
        area_code,
        count(distinct indicator_id) as indicators_with_data
    from {{ ref('indicator_values') }}
    where area_type = 'partnership'
        and value is not null
    group by area_code
)

select
    members.partnership_code as area_code,
    members.partnership_name as area_name,
    members.member_rank,
    case
        when members.member_rank = 0 then 'The partnership itself'
        else 'Similar partnership'
    end as member_role,
    members.member_code,
    members.member_name,
    members.distance,
    variables.population,
    variables.people_per_sq_km,
    100.0 * variables.share_aged_16_24 as pct_aged_16_24,
    100.0 * variables.share_lsoas_imd_decile_1 as pct_lsoas_most_deprived,
    variables.mean_imd_rank,
    coalesce(with_data.indicators_with_data, 0) as indicators_with_data
from members
inner join {{ ref('most_similar_group_variables') }} as variables
    on members.member_code = variables.partnership_code
left join with_data
    on members.member_code = with_data.area_code
