-- How and where violence happens: one row per partnership x financial year x breakdown x
-- category, with readable category names.
-- breakdown 'weapon_or_method': emergency department assault attendances by the primary
-- means of assault (ISTV assault_method); the police extract records no method, so the
-- police count is NULL.
-- breakdown 'type_of_place': police violence against the person offences and ED assault
-- attendances by the type of place, on one shared list (the police's 'dwelling' is the
-- hospital's 'home'; the police record no workplace and no 'not known': NULL there).
-- ED attendances are counted by counted_partnership_code and financial year of arrival;
-- police offences by partnership and financial year recorded. Every category is present for
-- each partnership and year the agency has data for (0 when none); NULL when the agency has
-- no data for that year. Aggregated counts only, never records.
{%- set methods = [
    ('body_part', 'Body part (hit, kicked, head-butted)', 1),
    ('knife_sharp', 'Knife or sharp object', 2),
    ('blunt_object', 'Blunt object', 3),
    ('glass_bottle', 'Glass or bottle', 4),
    ('firearm', 'Firearm', 5),
    ('other', 'Other means', 6),
    ('not_known', 'Not known', 7),
] %}
{%- set places = [
    ('street', 'Street or other public place', 1),
    ('licensed_premises', 'Pub, bar or club', 2),
    ('home', 'Home (dwelling)', 3),
    ('school', 'School or college', 4),
    ('transport', 'Public transport or station', 5),
    ('workplace', 'Workplace', 6),
    ('other', 'Other place', 7),
    ('not_known', 'Not known', 8),
] %}
with known_categories as (
    {%- for breakdown, entries in [('weapon_or_method', methods), ('type_of_place', places)] %}
    {%- set outer_loop = loop %}
    {%- for code, label, position in entries %}
    select
        '{{ breakdown }}' as breakdown,
        '{{ code }}' as category_code,
        '{{ label }}' as category,
        {{ position }} as category_order
    {% if not (outer_loop.last and loop.last) %}union all{% endif %}
    {%- endfor %}
    {%- endfor %}
),

ed as (
    select
        counted_partnership_code as partnership_code,
        financial_year,
        assault_method,
        location_type
    from {{ ref('fct_ae_assault_attendances') }}
    where counted_partnership_code is not null
),

police as (
    select
        partnership_code,
        financial_year,
        offence_group,
        case location_type when 'dwelling' then 'home' else location_type end as location_type
    from {{ ref('fct_police_crimes') }}
    where partnership_code is not null
),

ed_counts as (
    select
        partnership_code,
        financial_year,
        'weapon_or_method' as breakdown,
        assault_method as category_code,
        count(*) as records
    from ed
    group by partnership_code, financial_year, assault_method

    union all

    select
        partnership_code,
        financial_year,
        'type_of_place' as breakdown,
        location_type as category_code,
        count(*) as records
    from ed
    group by partnership_code, financial_year, location_type
),

police_counts as (
    select
        partnership_code,
        financial_year,
        'type_of_place' as breakdown,
        location_type as category_code,
        count(*) as records
    from police
    where offence_group = 'VAP'
    group by partnership_code, financial_year, location_type
),

categories as (
    -- a code missing from the lists above (the contracts make it unlikely) would otherwise
    -- vanish: it is kept, named by its code, after the listed categories
    select breakdown, category_code, category, category_order from known_categories
    union all
    select distinct
        counts.breakdown,
        counts.category_code,
        counts.category_code as category,
        99 as category_order
    from (
        select breakdown, category_code from ed_counts
        union all
        select breakdown, category_code from police_counts
    ) as counts
    left join known_categories as known
        on counts.breakdown = known.breakdown
        and counts.category_code = known.category_code
    where known.category_code is null
),

ed_years as (
    select distinct partnership_code, financial_year from ed
),

police_years as (
    -- years with a police extract (any offence), so that no violence reads as 0, not NULL
    select distinct partnership_code, financial_year from police
),

covered as (
    select partnership_code, financial_year from ed_years
    union
    select partnership_code, financial_year from police_years
),

cells as (
    select
        covered.partnership_code,
        covered.financial_year,
        categories.breakdown,
        categories.category_code,
        categories.category,
        categories.category_order,
        ed_years.partnership_code is not null as has_ed_data,
        police_years.partnership_code is not null
            and categories.breakdown = 'type_of_place'
            -- places the police extract has no code for stay NULL, not 0
            and categories.category_code not in ('workplace', 'not_known') as has_police_data
    from covered
    cross join categories
    left join ed_years
        on covered.partnership_code = ed_years.partnership_code
        and covered.financial_year = ed_years.financial_year
    left join police_years
        on covered.partnership_code = police_years.partnership_code
        and covered.financial_year = police_years.financial_year
)

select
    cells.partnership_code,
    partnerships.partnership_name,
    cells.financial_year,
    cells.breakdown,
    case cells.breakdown
        when 'weapon_or_method' then 'Weapon or method of assault'
        when 'type_of_place' then 'Type of place'
    end as breakdown_name,
    cells.category_code,
    cells.category,
    cells.category_order,
    case
        when cells.has_police_data then cast(coalesce(police_counts.records, 0) as bigint)
    end as police_vap_offences,
    case
        when cells.has_ed_data then cast(coalesce(ed_counts.records, 0) as bigint)
    end as ed_assault_attendances
from cells
inner join {{ ref('dim_partnerships') }} as partnerships
    on cells.partnership_code = partnerships.partnership_code
left join ed_counts
    on cells.partnership_code = ed_counts.partnership_code
    and cells.financial_year = ed_counts.financial_year
    and cells.breakdown = ed_counts.breakdown
    and cells.category_code = ed_counts.category_code
left join police_counts
    on cells.partnership_code = police_counts.partnership_code
    and cells.financial_year = police_counts.financial_year
    and cells.breakdown = police_counts.breakdown
    and cells.category_code = police_counts.category_code
