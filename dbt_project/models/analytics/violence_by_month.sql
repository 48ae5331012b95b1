-- Police violence and emergency department assaults side by side, month by month: one row
-- per partnership and month in which either agency's extract has records. Police: violence
-- against the person offences by month recorded (as vap_per_1000 counts them). Emergency
-- departments: assault attendances by month of arrival, counted in the partnership where the
-- assault happened, or the department's home partnership when the location is not usable
-- (counted_partnership_code, as ed_assault_attendances_per_100k counts them). A month with an
-- agency's extract but no qualifying record gives 0; a month without the extract gives NULL,
-- so a missing extract never passes for a zero. Aggregated counts only, never records.
with police as (
    select
        partnership_code,
        cast(recorded_month as date) as month,
        sum(case when offence_group = 'VAP' then 1 else 0 end) as police_vap_offences
    from {{ ref('fct_police_crimes') }}
    where partnership_code is not null
    group by partnership_code, cast(recorded_month as date)
),

ed as (
    select
        counted_partnership_code as partnership_code,
        cast(arrival_month as date) as month,
        count(*) as ed_assault_attendances,
        sum(case when has_usable_location then 1 else 0 end) as ed_located_assault_attendances
    from {{ ref('fct_ae_assault_attendances') }}
    where counted_partnership_code is not null
    group by counted_partnership_code, cast(arrival_month as date)
),

months as (
    select partnership_code, month from police
    union
    select partnership_code, month from ed
)

select
    months.partnership_code,
    partnerships.partnership_name,
    months.month,
    {{ financial_year_label('months.month') }} as financial_year,
    cast(police.police_vap_offences as bigint) as police_vap_offences,
    cast(ed.ed_assault_attendances as bigint) as ed_assault_attendances,
    cast(ed.ed_located_assault_attendances as bigint) as ed_located_assault_attendances
from months
inner join {{ ref('dim_partnerships') }} as partnerships
    on months.partnership_code = partnerships.partnership_code
left join police
    on months.partnership_code = police.partnership_code and months.month = police.month
left join ed
    on months.partnership_code = ed.partnership_code and months.month = ed.month
