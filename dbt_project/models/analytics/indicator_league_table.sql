{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- League table of partnerships for each indicator and annual period (financial years; academic
-- years for the school indicators, which have no financial year): every partnership's value
-- ranked against every other partnership with a value, 1 = best (1 = highest for indicators
-- with no judgement, as msg_rank), with the comparison with England as a score for
-- conditional formatting. Read by the "National comparison" dashboard (league table and the
-- chosen indicator's details); funnel_plot_points takes its partnership points from here.
with annual as (
    select *
    from {{ ref('indicator_spine') }}
    where period_type in ('financial_year', 'academic_year')
),

ranked as (
    select
        annual.*,
        case
            when annual.value is not null then
                rank() over (
                    partition by annual.indicator_id, annual.period_type, annual.period_start
                    -- partnerships without a value sort last on every engine (Spark would
                    -- put NULLs first and shift every rank)
                    order by case
                        when annual.polarity = 'low is good' then annual.value
                        else -annual.value
                    end nulls last
                )
        end as national_rank,
        count(annual.value) over (
            partition by annual.indicator_id, annual.period_type, annual.period_start
        ) as partnerships_ranked
    from annual
)

select
    domain,
    display_order,
    indicator_id,
    indicator_name,
    unit,
    denominator_definition,
    method,
    polarity,
    area_code,
    area_name,
    period_type,
    period_type_label,
    period_label,
    period_start,
    period_end,
    is_latest_period,
    numerator,
    denominator,
    value,
    lower_95,
    upper_95,
    england_value,
    compared_to_england,
    england_comparison_score,
    england_direction_score,
    national_rank,
    partnerships_ranked,
    case
        when national_rank is not null
            then cast(national_rank as {{ dbt.type_string() }}) || ' of '
            || cast(partnerships_ranked as {{ dbt.type_string() }})
    end as national_rank_label,
    quintile,
    trend,
    suppressed,
    value_note
from ranked
