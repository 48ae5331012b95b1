-- Every upper-tier local authority in the DfE tables, with the partnership it is placed in.
-- Partnerships are district-level: an authority is placed only when it is itself a single
-- district (unitary E06, metropolitan E08, London E09) that the lookup puts in one
-- partnership (int_lads_placed). A county (E10) keeps a NULL partnership: its figures are
-- published for the whole county, not split among its districts' partnerships.
with authorities as (
    select la_code from {{ ref('stg_dfe_exclusions_la__exclusions') }}
    where geographic_level = 'Local authority' and la_code is not null
    union
    select la_code from {{ ref('stg_dfe_attendance_la__attendance') }}
    where geographic_level = 'Local authority' and la_code is not null
),

-- The same authority re-coded by ONS after a minor boundary change: the DfE's 2017 table
-- still uses the former codes, the partnership lookup (2020/21) the current ones.
recoded (la_code, lad_code) as (
    values ('E06000048', 'E06000057'),  -- Northumberland
           ('E08000020', 'E08000037')   -- Gateshead
),

typed as (
    select
        authorities.la_code,
        case left(authorities.la_code, 3)
            when 'E06' then 'unitary'
            when 'E08' then 'metropolitan_district'
            when 'E09' then 'london_borough'
            when 'E10' then 'county'
        end as la_type,
        case when left(authorities.la_code, 3) <> 'E10'
            then coalesce(recoded.lad_code, authorities.la_code)
        end as lad_code
    from authorities
    left join recoded on authorities.la_code = recoded.la_code
)

select
    typed.la_code,
    typed.la_type,
    typed.lad_code,
    lads.partnership_code,
    case
        when typed.la_type = 'county' then 'county'
        when lads.lad_code is null then 'not_in_lookup'
        when lads.partnership_code is null then 'several_partnerships'
        else 'district'
    end as placement
from typed
left join {{ ref('int_lads_placed') }} as lads on typed.lad_code = lads.lad_code
