-- MARAC cases per month: one row per partnership and conference month, with the cases heard
-- and how many of them were repeats (the same victim heard in the 12 months before), for the
-- "Offenders, victims and young people" dashboard. Never record-level. Every month with a case
-- anywhere appears for every partnership (0 when the partnership heard none).
--
-- Disclosure control, the rule indicator_values applies to person-identifying indicators:
-- each count from 1 to 7 is withheld (NULL, with its own suppressed flag). No first-time
-- count is published, so a withheld repeat count cannot be worked out from the cases.
-- Complementary suppression, because indicator_values publishes each quarter's cases and
-- repeat cases (marac_cases_per_10k_women, marac_repeat_pct; years and rolling years are
-- sums of quarters): in a quarter with a withheld month, the other months are withheld too,
-- smallest first, until the withheld months add up to 8 or more, so that the quarter's total
-- minus the months shown never gives a withheld count away.
-- Cases that cannot be placed in a partnership are left out (they stay visible, with a NULL
-- partnership, in analytics.marac_cases).
with counts as (
    select
        partnership_code,
        cast(conference_month as date) as month,
        count(*) as cases,
        sum(case when is_repeat then 1 else 0 end) as repeat_cases
    from {{ ref('fct_marac_cases') }}
    where partnership_code is not null
    group by partnership_code, cast(conference_month as date)
),

partnerships as (
    select distinct partnership_code from counts
),

months as (
    select distinct month from counts
),

grid as (
    select
        partnerships.partnership_code,
        months.month,
        coalesce(counts.cases, 0) as cases,
        coalesce(counts.repeat_cases, 0) as repeat_cases
    from partnerships
    cross join months
    left join counts
        on partnerships.partnership_code = counts.partnership_code
        and months.month = counts.month
),

flagged as (
    select
        grid.*,
        cast({{ dbt.date_trunc('quarter', 'grid.month') }} as date) as quarter_start,
        grid.cases between 1 and 7 as cases_small,
        grid.repeat_cases between 1 and 7 as repeats_small
    from grid
),

running as (
    -- per quarter: the withheld small counts, and for each other month the sum of the other
    -- months before it, smallest first (small months sort last, so they are never counted)
    select
        flagged.*,
        sum(case when flagged.cases_small then flagged.cases else 0 end) over (
            partition by flagged.partnership_code, flagged.quarter_start
        ) as small_cases_in_quarter,
        coalesce(sum(flagged.cases) over (
            partition by flagged.partnership_code, flagged.quarter_start
            order by case when flagged.cases_small then 1 else 0 end, flagged.cases, flagged.month
            rows between unbounded preceding and 1 preceding
        ), 0) as cases_before,
        sum(case when flagged.repeats_small then flagged.repeat_cases else 0 end) over (
            partition by flagged.partnership_code, flagged.quarter_start
        ) as small_repeats_in_quarter,
        coalesce(sum(flagged.repeat_cases) over (
            partition by flagged.partnership_code, flagged.quarter_start
            order by
                case when flagged.repeats_small then 1 else 0 end,
                flagged.repeat_cases,
                flagged.month
            rows between unbounded preceding and 1 preceding
        ), 0) as repeats_before
    from flagged
),

checked as (
    select
        running.*,
        running.cases_small
        or (running.small_cases_in_quarter > 0
            and running.small_cases_in_quarter + running.cases_before < 8) as cases_withheld,
        running.repeats_small
        or (running.small_repeats_in_quarter > 0
            and running.small_repeats_in_quarter + running.repeats_before < 8)
            as repeats_withheld
    from running
)

select
    checked.partnership_code,
    dim.partnership_name,
    checked.month,
    {{ financial_year_label('checked.month') }} as financial_year,
    case when checked.cases_withheld then null else checked.cases end as cases,
    case when checked.repeats_withheld then null else checked.repeat_cases end as repeat_cases,
    checked.cases_withheld as cases_suppressed,
    checked.repeats_withheld as repeat_cases_suppressed,
    checked.cases_withheld or checked.repeats_withheld as suppressed
from checked
inner join {{ ref('dim_partnerships') }} as dim
    on checked.partnership_code = dim.partnership_code
