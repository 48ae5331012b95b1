-- Every partnership that takes part has exactly 15 distinct neighbours ranked 1..15, none of
-- them itself, with distances that do not decrease with rank; no other partnership has a group.
with groups as (
    select
        partnership_code,
        count(*) as neighbours,
        count(distinct similar_partnership_code) as distinct_neighbours,
        count(distinct neighbour_rank) as ranks,
        min(neighbour_rank) as first_rank,
        max(neighbour_rank) as last_rank,
        count(*) filter (where similar_partnership_code = partnership_code) as itself
    from {{ ref('most_similar_groups') }}
    group by partnership_code
),

out_of_order as (
    select partnership_code, count(*) as inversions
    from (
        select
            partnership_code,
            distance < lag(distance) over (
                partition by partnership_code order by neighbour_rank
            ) as inverted
        from {{ ref('most_similar_groups') }}
    )
    where inverted
    group by partnership_code
),

taking_part as (
    select partnership_code from {{ ref('int_partnership_similarity_variables') }}
)

select
    coalesce(taking_part.partnership_code, groups.partnership_code) as partnership_code,
    groups.neighbours,
    groups.distinct_neighbours,
    groups.itself,
    out_of_order.inversions
from taking_part
full outer join groups on taking_part.partnership_code = groups.partnership_code
left join out_of_order
    on coalesce(taking_part.partnership_code, groups.partnership_code) = out_of_order.partnership_code
where taking_part.partnership_code is null
    or groups.partnership_code is null
    or groups.neighbours != 15
    or groups.distinct_neighbours != 15
    or groups.ranks != 15
    or groups.first_rank != 1
    or groups.last_rank != 15
    or groups.itself > 0
    or out_of_order.inversions > 0
