-- Each partnership's 15 most similar partnerships: Euclidean distance between the z-scores of
-- the seven variables of int_partnership_similarity_variables; the nearest 15, itself
-- excluded, ties broken by partnership code. Method: docs/most_similar_groups.md.
{%- set variables = ['log10_population', 'log10_people_per_sq_km', 'share_aged_0_15',
                     'share_aged_16_24', 'share_aged_65_plus', 'share_lsoas_imd_decile_1',
                     'mean_imd_rank'] %}
with variables as (
    select * from {{ ref('int_partnership_similarity_variables') }}
),

pairs as (
    select
        partnership.partnership_code,
        other.partnership_code as similar_partnership_code,
        sqrt(
            {%- for name in variables %}
            power(partnership.z_{{ name }} - other.z_{{ name }}, 2)
            {{- " +" if not loop.last }}
            {%- endfor %}
        ) as distance
    from variables as partnership
    inner join variables as other on partnership.partnership_code != other.partnership_code
),

nearest as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by partnership_code
                order by distance nulls last, similar_partnership_code
            ) as neighbour_rank
        from pairs
    ) as ranked
    where neighbour_rank <= 15
)

select
    nearest.partnership_code,
    partnership.partnership_name,
    nearest.neighbour_rank,
    nearest.similar_partnership_code,
    neighbour.partnership_name as similar_partnership_name,
    nearest.distance
from nearest
inner join {{ ref('dim_partnerships') }} as partnership
    on nearest.partnership_code = partnership.partnership_code
inner join {{ ref('dim_partnerships') }} as neighbour
    on nearest.similar_partnership_code = neighbour.partnership_code
order by nearest.partnership_code, nearest.neighbour_rank
