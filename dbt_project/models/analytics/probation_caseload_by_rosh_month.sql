-- The probation caseload by risk of serious harm: one row per partnership, month-end snapshot
-- and ROSH level (low, medium, high, very high), for the "Offenders, victims and young
-- people" dashboard. Every level appears every month (0 when nobody was at that level), so
-- a missing bar segment always means a withheld count, never a missing row.
--
-- Disclosure control, the rule indicator_values applies to person-identifying indicators:
-- a count from 1 to 7 is withheld (people NULL, suppressed true). 0 and 8+ are shown.
-- Complementary suppression in the months whose snapshot indicator_values publishes
-- (probation_high_rosh_pct takes each period's last month: its numerator is high + very
-- high, its denominator the caseload): there, when one of high / very high is withheld the
-- other is too, likewise low / medium, and when the withheld cells still add up to 1-7 all
-- four are withheld. So no withheld count can be worked out by subtraction from a
-- published total. Other months have no published total and need only the first rule.
-- Records that cannot be placed in a partnership are left out (they stay visible, with a
-- NULL partnership, in analytics.probation_caseload).
with counts as (
    select
        partnership_code,
        cast(snapshot_month as date) as month,
        rosh_level,
        count(*) as people
    from {{ ref('fct_probation_caseload') }}
    where partnership_code is not null
    group by partnership_code, cast(snapshot_month as date), rosh_level
),

partnerships as (
    select distinct partnership_code from counts
),

months as (
    select distinct month from counts
),

rosh_levels as (
    select 'low' as rosh_level, 1 as rosh_level_order, '1. Low' as rosh_level_label
    union all
    select 'medium', 2, '2. Medium'
    union all
    select 'high', 3, '3. High'
    union all
    select 'very_high', 4, '4. Very high'
),

grid as (
    select
        partnerships.partnership_code,
        months.month,
        rosh_levels.rosh_level,
        rosh_levels.rosh_level_order,
        rosh_levels.rosh_level_label,
        coalesce(counts.people, 0) as people
    from partnerships
    cross join months
    cross join rosh_levels
    left join counts
        on partnerships.partnership_code = counts.partnership_code
        and months.month = counts.month
        and rosh_levels.rosh_level = counts.rosh_level
),

published_snapshots as (
    select distinct cast({{ dbt.date_trunc('month', 'period_end') }} as date) as month
    from {{ ref('indicator_values') }}
    where indicator_id = 'probation_high_rosh_pct'
),

small as (
    select
        grid.*,
        grid.rosh_level in ('high', 'very_high') as is_high_risk,
        grid.people between 1 and 7 as is_small,
        published_snapshots.month is not null as is_published_snapshot
    from grid
    left join published_snapshots on grid.month = published_snapshots.month
),

paired as (
    -- in a published snapshot month a withheld level withholds the other level of its pair
    -- (low-medium, high-very high)
    select
        small.*,
        small.is_small
        or (small.is_published_snapshot
            and max(case when small.is_small then 1 else 0 end) over (
                partition by small.partnership_code, small.month, small.is_high_risk
            ) = 1) as pair_withheld
    from small
),

month_checked as (
    -- withheld cells that still add up to 1-7 would give that sum away: withhold the month
    select
        paired.*,
        paired.is_published_snapshot
        and sum(case when paired.pair_withheld then paired.people else 0 end) over (
            partition by paired.partnership_code, paired.month
        ) between 1 and 7 as month_withheld
    from paired
)

select
    month_checked.partnership_code,
    dim.partnership_name,
    month_checked.month,
    {{ financial_year_label('month_checked.month') }} as financial_year,
    month_checked.rosh_level,
    month_checked.rosh_level_order,
    month_checked.rosh_level_label,
    month_checked.is_high_risk,
    case
        when month_checked.pair_withheld or month_checked.month_withheld then null
        else month_checked.people
    end as people,
    month_checked.pair_withheld or month_checked.month_withheld as suppressed
from month_checked
inner join {{ ref('dim_partnerships') }} as dim
    on month_checked.partnership_code = dim.partnership_code
