{{ config(materialized='table') }}
-- A table, not a view: the models and tests that read it would each compute it again.
-- Each emergency department's home partnership: the partnership where most of its
-- attendances with a usable assault location took place (ties: the lowest code). An
-- attendance with no usable location is counted in its department's home partnership.
with located as (
    select
        site_code,
        partnership_code,
        count(*) as attendances
    from {{ ref('int_ae_attendances_placed') }}
    where partnership_code is not null
    group by site_code, partnership_code
),

ranked as (
    select
        site_code,
        partnership_code,
        attendances,
        sum(attendances) over (partition by site_code) as located_attendances,
        row_number() over (
            partition by site_code order by attendances desc, partnership_code
        ) as place
    from located
)

select
    site_code,
    partnership_code,
    attendances as attendances_in_partnership,
    located_attendances
from ranked
where place = 1
