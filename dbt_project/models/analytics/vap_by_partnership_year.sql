{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- Violence against the person per 1,000 residents, partnerships by financial year: the slice
-- of indicator_values the "Violence against the person" dashboard reads, with the latest
-- published year flagged so the dashboard needs no SQL of its own.
with rows as (
    select *
    from {{ ref('indicator_values') }}
    where indicator_id = 'vap_per_1000'
        and area_type = 'partnership'
        and period_type = 'financial_year'
)

select
    indicator_id,
    indicator_name,
    area_code,
    area_name,
    area_type,
    period_type,
    period_label,
    period_start,
    period_end,
    numerator,
    denominator,
    multiplier,
    value,
    lower_95,
    upper_95,
    england_value,
    compared_to_england,
    period_start = max(period_start) over () as is_latest_period
from rows
