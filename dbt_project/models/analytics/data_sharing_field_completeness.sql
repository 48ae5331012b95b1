-- How complete the fields that matter are, one row per partnership × source × field × month
-- (of the record: arrival at the emergency department, recording by the police), over the
-- records loaded (each counted once: a record re-sent keeps its latest version). Rows refused
-- by the contract (e.g. a required field left blank) are not here: see
-- data_sharing_quarantine_reasons.
-- ED attendances (ae_istv) count in the partnership where the assault happened, or, without
-- a usable location, in their department's home partnership: as the indicators count them.
-- Police records without an LSOA cannot be placed: the force's share is given to every
-- partnership that receives the force's extract.

with ed as (
    select
        counted_partnership_code as partnership_code,
        cast(arrival_month as date) as month,
        count(*) as records,
        count(case when has_usable_location then 1 end) as with_location,
        count(case when assault_at is not null then 1 end) as with_time,
        count(case when assault_method <> 'not_known' then 1 end) as with_method
    from {{ ref('fct_ae_assault_attendances') }}
    group by counted_partnership_code, cast(arrival_month as date)
),

police_by_force as (
    select
        force_code,
        cast(recorded_month as date) as month,
        count(*) as records,
        count(case when lsoa_code is not null then 1 end) as with_lsoa,
        count(case when occurred_at is not null then 1 end) as with_time
    from {{ ref('fct_police_crimes') }}
    group by force_code, cast(recorded_month as date)
),

force_partnerships as (
    -- the partnerships that receive each force's extract
    select distinct
        files.partnership_code,
        crimes.force_code
    from {{ ref('data_sharing_files') }} as files
    inner join (
        select distinct source_file, force_code from {{ ref('fct_police_crimes') }}
    ) as crimes on files.source_file = crimes.source_file
    where files.source = 'police_crimes' and files.partnership_code is not null
),

fields as (
    select partnership_code, 'ae_istv' as source, month, 1 as field_order,
        'Usable assault location' as field_label, records, with_location as records_with_value
    from ed
    union all
    select partnership_code, 'ae_istv', month, 2, 'Assault time recorded', records, with_time
    from ed
    union all
    select partnership_code, 'ae_istv', month, 3, 'Assault method known', records, with_method
    from ed
    union all
    select force_partnerships.partnership_code, 'police_crimes', police_by_force.month, 4,
        'Crime location (LSOA) recorded', police_by_force.records, police_by_force.with_lsoa
    from police_by_force
    inner join force_partnerships on police_by_force.force_code = force_partnerships.force_code
    union all
    select force_partnerships.partnership_code, 'police_crimes', police_by_force.month, 5,
        'Crime occurrence time recorded', police_by_force.records, police_by_force.with_time
    from police_by_force
    inner join force_partnerships on police_by_force.force_code = force_partnerships.force_code
)

select
    fields.partnership_code,
    coalesce(partnerships.partnership_name, 'Not known (not placed)') as partnership_name,
    fields.source,
    case fields.source
        when 'ae_istv' then 'A&E assaults (ISTV)'
        when 'police_crimes' then 'Police recorded crime'
    end as source_label,
    fields.field_order,
    fields.field_label,
    fields.month,
    {{ financial_year_label('fields.month') }} as financial_year,
    fields.records,
    fields.records_with_value,
    cast(fields.records_with_value as {{ type_double() }}) / nullif(fields.records, 0)
        as share_with_value
from fields
left join {{ ref('dim_partnerships') }} as partnerships
    on fields.partnership_code = partnerships.partnership_code
