{{ config(materialized='table') }}
-- A table, not a view: fct_dfe_exclusions_by_la reads it 24 times (once per column).
-- The DfE's published exclusions by reason for local authorities (national and regional rows
-- left out), each authority placed through int_dfe_las_placed. A table published again
-- (a later release restating a year) supersedes the earlier one: per year, authority and
-- school type the row of the file that arrived last is kept.
with latest as (
    {{ latest_versions(
        ref('stg_dfe_exclusions_la__exclusions'),
        ['academic_year', 'old_la_code', 'school_type'],
        where="geographic_level = 'Local authority'") }}
)

select
    {{ star_except(ref('stg_dfe_exclusions_la__exclusions'), 'latest',
        ['geographic_level', 'country_code', 'country_name']) }},
    placed.la_type,
    placed.partnership_code,
    coalesce(placed.placement, 'not_in_lookup') as placement
from latest
left join {{ ref('int_dfe_las_placed') }} as placed on latest.la_code = placed.la_code
