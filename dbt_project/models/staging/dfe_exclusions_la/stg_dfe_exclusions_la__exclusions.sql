-- The DfE's published exclusions-by-reason table, renamed and typed: each count a number,
-- NULL where the DfE suppressed it (x), with a <count>_suppressed flag. Never 0 for x.
{%- set reasons = ['physical_pupils', 'physical_adult', 'verbal_pupil', 'verbal_adult',
    'bullying', 'racist_abuse', 'sexual_misconduct', 'drug_alcohol', 'damage', 'theft',
    'persistent_disruptive', 'other'] %}
{#- the DfE's column names year and level are SQL keywords: quoted, in the engine's way #}
{%- set year = adapter.quote('year') %}
select
    substr({{ year }}, 1, 4) || '/' || substr({{ year }}, 5, 2) as academic_year,
    cast(substr({{ year }}, 1, 4) as integer) as academic_year_start,
    case {{ adapter.quote('level') }}
        when 'NATIONAL' then 'National'
        when 'REGIONAL' then 'Regional'
        when 'LOCAL AUTHORITY' then 'Local authority'
    end as geographic_level,
    country_code,
    country_name,
    region_code,
    region_name,
    nullif(new_la_code, '.') as la_code,
    old_la_code,
    la_name,
    school_type,
{%- for kind in ['perm', 'fixed'] %}{% for reason in reasons %}
{%- set column = kind ~ '_' ~ reason %}
    {{ try_cast_as(column, type_double()) }} as {{ column }},
    coalesce({{ column }} = 'x', false) as {{ column }}_suppressed,
{%- endfor %}{% endfor %}
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('dfe_exclusions', 'dfe_exclusions_la') }}
