-- Published indicator values: one row per indicator x area x period.
-- Violence against the person (VAP) offences recorded per 1,000 residents, by partnership
-- and financial year. A year is published for a partnership only when all twelve of its
-- months have police data, so a part-year never passes for a whole one.
{% set multiplier = 1000 %}

with crimes as (
    select
        partnership_code,
        financial_year_start,
        financial_year,
        count(distinct recorded_month) as months_with_data,
        sum(case when offence_group = 'VAP' then 1 else 0 end) as vap_offences
    from {{ ref('fct_police_crimes') }}
    where partnership_code is not null
    group by partnership_code, financial_year_start, financial_year
)

select
    'vap_per_1000' as indicator_id,
    'Violence against the person offences per 1,000 residents' as indicator_name,
    crimes.partnership_code as area_code,
    partnerships.partnership_name as area_name,
    'partnership' as area_type,
    'financial_year' as period_type,
    crimes.financial_year as period_label,
    cast(crimes.financial_year_start as date) as period_start,
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, 'crimes.financial_year_start')) }} as date)
        as period_end,
    cast(crimes.vap_offences as bigint) as numerator,
    cast(partnerships.population as bigint) as denominator,
    {{ multiplier }} as multiplier,
    crimes.vap_offences * {{ multiplier }}.0 / partnerships.population as value
from crimes
inner join {{ ref('dim_partnerships') }} as partnerships
    on crimes.partnership_code = partnerships.partnership_code
where crimes.months_with_data = 12
    and partnerships.population > 0
