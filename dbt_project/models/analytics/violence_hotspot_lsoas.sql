-- Where police and hospital data together put most violence: one row per partnership and
-- LSOA with any violence in the partnership's latest 12 months, with both agencies' counts,
-- their sum, the LSOA's name and IMD decile, and its rank in the partnership (1 = most).
-- Police: violence against the person offences recorded in the LSOA. Emergency departments:
-- assault attendances whose assault location is in the LSOA (has_usable_location); ED
-- attendances without a usable location cannot be placed in an LSOA and are not counted.
-- The latest 12 months end with the latest month for which the partnership has both police
-- and ED records (or the one agency's latest month when the other has none at all).
-- Aggregated counts only, never records.
with police_last as (
    select partnership_code, max(cast(recorded_month as date)) as last_month
    from {{ ref('fct_police_crimes') }}
    where partnership_code is not null
    group by partnership_code
),

ed_last as (
    select counted_partnership_code as partnership_code, max(cast(arrival_month as date)) as last_month
    from {{ ref('fct_ae_assault_attendances') }}
    where counted_partnership_code is not null
    group by counted_partnership_code
),

periods as (
    select
        coalesce(police_last.partnership_code, ed_last.partnership_code) as partnership_code,
        case
            when police_last.last_month is null then ed_last.last_month
            when ed_last.last_month is null then police_last.last_month
            when ed_last.last_month < police_last.last_month then ed_last.last_month
            else police_last.last_month
        end as last_month
    from police_last
    full outer join ed_last on police_last.partnership_code = ed_last.partnership_code
),

windows as (
    select
        partnership_code,
        cast({{ dbt.dateadd('month', -11, 'last_month') }} as date) as period_start,
        last_month,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'last_month')) }} as date)
            as period_end
    from periods
),

police as (
    select
        crimes.partnership_code,
        crimes.lsoa_code,
        count(*) as police_vap_offences
    from {{ ref('fct_police_crimes') }} as crimes
    inner join windows
        on crimes.partnership_code = windows.partnership_code
        and cast(crimes.recorded_month as date) between windows.period_start and windows.last_month
    where crimes.offence_group = 'VAP'
        and crimes.lsoa_code is not null
    group by crimes.partnership_code, crimes.lsoa_code
),

ed as (
    select
        attendances.partnership_code,
        attendances.lsoa_code,
        count(*) as ed_located_assaults
    from {{ ref('fct_ae_assault_attendances') }} as attendances
    inner join windows
        on attendances.partnership_code = windows.partnership_code
        and cast(attendances.arrival_month as date)
        between windows.period_start and windows.last_month
    where attendances.has_usable_location
        and attendances.lsoa_code is not null
    group by attendances.partnership_code, attendances.lsoa_code
),

combined as (
    select
        coalesce(police.partnership_code, ed.partnership_code) as partnership_code,
        coalesce(police.lsoa_code, ed.lsoa_code) as lsoa_code,
        coalesce(police.police_vap_offences, 0) as police_vap_offences,
        coalesce(ed.ed_located_assaults, 0) as ed_located_assaults
    from police
    full outer join ed
        on police.partnership_code = ed.partnership_code
        and police.lsoa_code = ed.lsoa_code
)

select
    combined.partnership_code,
    partnerships.partnership_name,
    windows.period_start,
    windows.period_end,
    {{ dbt.concat([rolling_period_month_label('windows.period_start'), "' to '",
        rolling_period_month_label('windows.period_end')]) }} as period_label,
    combined.lsoa_code,
    lsoas.lsoa_name,
    lsoas.imd_decile,
    cast(combined.police_vap_offences as bigint) as police_vap_offences,
    cast(combined.ed_located_assaults as bigint) as ed_located_assaults,
    cast(combined.police_vap_offences + combined.ed_located_assaults as bigint)
        as combined_violence,
    100 * cast(combined.police_vap_offences + combined.ed_located_assaults as {{ type_double() }})
        / sum(combined.police_vap_offences + combined.ed_located_assaults)
            over (partition by combined.partnership_code) as share_of_partnership_pct,
    row_number() over (
        partition by combined.partnership_code
        order by
            combined.police_vap_offences + combined.ed_located_assaults desc,
            combined.ed_located_assaults desc,
            combined.lsoa_code
    ) as rank_in_partnership
from combined
inner join windows on combined.partnership_code = windows.partnership_code
inner join {{ ref('dim_partnerships') }} as partnerships
    on combined.partnership_code = partnerships.partnership_code
left join {{ ref('int_lsoas_placed') }} as lsoas on combined.lsoa_code = lsoas.lsoa_code
