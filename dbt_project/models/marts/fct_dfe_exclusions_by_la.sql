-- The DfE's published exclusions by reason for local authorities, in long format: one row per
-- academic year, authority, school type, exclusion type and reason, with the count and
-- whether the DfE suppressed it (x: NULL, never 0). Counties keep a NULL partnership_code:
-- their figures are published for the county, not split among partnerships.
{%- set reasons = [
    ('physical_pupils', 'physical_assault_pupil', 'Physical assault against a pupil'),
    ('physical_adult', 'physical_assault_adult', 'Physical assault against an adult'),
    ('verbal_pupil', 'verbal_abuse_pupil', 'Verbal abuse or threatening behaviour against a pupil'),
    ('verbal_adult', 'verbal_abuse_adult', 'Verbal abuse or threatening behaviour against an adult'),
    ('bullying', 'bullying', 'Bullying'),
    ('racist_abuse', 'racist_abuse', 'Racist abuse'),
    ('sexual_misconduct', 'sexual_misconduct', 'Sexual misconduct'),
    ('drug_alcohol', 'drug_alcohol', 'Drug and alcohol related'),
    ('damage', 'damage', 'Damage to property'),
    ('theft', 'theft', 'Theft'),
    ('persistent_disruptive', 'persistent_disruptive', 'Persistent disruptive behaviour'),
    ('other', 'other', 'Other')
] %}
{%- set kinds = [('perm', 'permanent'), ('fixed', 'suspension')] %}
{% for prefix, exclusion_type in kinds %}{% for suffix, reason, reason_name in reasons %}
{%- set column = prefix ~ '_' ~ suffix %}
select
    academic_year,
    academic_year_start,
    la_code,
    old_la_code,
    la_name,
    la_type,
    region_code,
    region_name,
    partnership_code,
    placement,
    school_type,
    '{{ exclusion_type }}' as exclusion_type,
    '{{ reason }}' as reason,
    '{{ reason_name }}' as reason_name,
    {{ column }} as exclusions,
    {{ column }}_suppressed as suppressed,
    '{{ column }}' as source_column,
    source_file,
    source_line
from {{ ref('int_dfe_exclusions_by_la') }}
{% if not loop.last or prefix == 'perm' %}union all{% endif %}
{% endfor %}{% endfor %}
