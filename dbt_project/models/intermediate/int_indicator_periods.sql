-- The periods indicators are published for, one row per period x month it contains:
-- financial years (April to March), financial quarters (Q1 = April to June) and rolling
-- 12 months ending at each quarter's end ("year ending June 2023"). Built from the months
-- that have data, so a period appears only if at least one of its months does;
-- int_indicator_period_counts then keeps the partnerships whose data covers every month.
with months as (
    select distinct month_start
    from {{ ref('int_indicator_monthly_counts') }}
),

financial_years as (
    select
        'financial_year' as period_type,
        cast({{ financial_year_start('month_start') }} as date) as period_start,
        {{ financial_year_label('month_start') }} as period_label,
        month_start
    from months
),

quarters as (
    select
        'quarter' as period_type,
        cast({{ dbt.date_trunc('quarter', 'month_start') }} as date) as period_start,
        {{ dbt.concat([
            financial_year_label('month_start'), "' Q'",
            dbt.safe_cast(
                "cast(floor(((cast(extract(month from month_start) as integer) + 8) % 12) / 3.0) + 1"
                ~ " as integer)",
                dbt.type_string())
        ]) }} as period_label,
        month_start
    from months
),

quarter_ends as (
    select distinct
        cast({{ dbt.dateadd('month', 2, dbt.date_trunc('quarter', 'month_start')) }} as date)
            as end_month
    from months
),

rolling as (
    select
        'rolling_12_months' as period_type,
        cast({{ dbt.dateadd('month', -11, 'quarter_ends.end_month') }} as date) as period_start,
        {{ dbt.concat(["'year ending '", rolling_period_month_label('quarter_ends.end_month')]) }}
            as period_label,
        months.month_start
    from quarter_ends
    inner join months
        on months.month_start <= quarter_ends.end_month
        and months.month_start > {{ dbt.dateadd('month', -12, 'quarter_ends.end_month') }}
),

periods as (
    select * from financial_years
    union all
    select * from quarters
    union all
    select * from rolling
)

select
    period_type,
    period_start,
    cast({{ dbt.dateadd('day', -1, dbt.dateadd(
        'month',
        "case period_type when 'quarter' then 3 else 12 end",
        'period_start')) }} as date) as period_end,
    case period_type when 'quarter' then 3 else 12 end as period_months,
    period_label,
    month_start
from periods
