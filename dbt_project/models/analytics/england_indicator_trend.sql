{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- England's value of every indicator over its annual periods (financial years; academic years
-- for the school indicators), pooled from every partnership with data, with the unit from the
-- catalogue. Read by the "National comparison" dashboard's England trend line.
with catalogue as (
    select
        indicator_id,
        unit,
        display_order
    from {{ ref('indicator_catalogue') }}
)

select
    england.indicator_id,
    england.indicator_name,
    catalogue.unit,
    catalogue.display_order,
    england.period_type,
    england.period_label,
    england.period_start,
    england.period_end,
    england.period_start = max(england.period_start) over (
        partition by england.indicator_id, england.period_type
    ) as is_latest_period,
    england.numerator,
    england.denominator,
    england.value,
    england.lower_95,
    england.upper_95,
    england.areas_pooled
from {{ ref('indicator_values') }} as england
inner join catalogue
    on england.indicator_id = catalogue.indicator_id
where england.area_type = 'england'
    and england.period_type in ('financial_year', 'academic_year')
