-- Every landing file version the loader met, once per partnership it serves: which source
-- and sender it came from, the period its name gives, when it arrived and how late, how it
-- loaded, and what (if anything) a partnership should raise about it. The base of the
-- "Data sharing" dashboard's models (data_sharing_arrivals, data_sharing_quarantine_reasons,
-- data_sharing_field_completeness).
--
-- Partnerships: a file belongs to the partnerships its loaded rows are placed in (the marts
-- carry source_file and partnership_code; ED attendances without a location count in their
-- department's home partnership), each holding at least 1% of them. A file with no placed
-- rows (rejected, all rows refused, superseded, empty) belongs to the partnerships of its
-- sender's other files; failing that, to none (partnership_code NULL).
-- Sender: the file name without its period and version (e23000003_ for a force's monthly
-- files, z0150_ for a department's, caseload_ for probation's), as the loader and the
-- generator read names (orchestration/ingest/loader.py extract_identity, extract_period).
{%- set late_after_days = 45 %}
{%- set min_share = 0.01 %}
{#- a file with at least this share of its rows quarantined is an issue to raise, as the
    ingest check quarantine_below_5_percent says (orchestration/assets/ingest.py) #}
{%- set quarantine_share = 0.05 %}
{#- Regular expressions as written (macros/cross_db/regex.sql quotes them for the engine). #}
{%- set directory %}^.*[/\\]{% endset %}
{%- set extension %}\.[^.]*${% endset %}
{%- set year_month %}(^|[^0-9])((19|20)[0-9]{2}-(0[1-9]|1[0-2]))($|[^0-9]){% endset %}
{%- set financial_year %}(^|[^0-9])((19|20)[0-9]{2}-[0-9]{2})($|[^0-9]){% endset %}
{%- set version_suffix %}([ _-]?(v[0-9]+|corrected|resend|resent|final)|\s*\([0-9]+\))+${% endset %}
{%- set period %}(19|20)[0-9]{2}-[0-9]{2}{% endset %}
{#- the last day of the extract's period, and how many days after it the file arrived #}
{%- set period_end = dbt.last_day('dated.extract_month', 'month') %}
{%- set days_late = dbt.datediff(period_end, 'cast(dated.received_at as date)', 'day') %}

with sources as (
    -- The extracts partners share. The DfE's national published tables (dfe_exclusions_la,
    -- dfe_attendance_la) are left out: no partner sends them and they cover all of England.
    select *
    from (
        values
        ('police_crimes', 'police', 'Police recorded crime', 1),
        ('policeuk_street', 'police', 'police.uk street crime', 2),
        ('ae_istv', 'health', 'A&E assaults (ISTV)', 3),
        ('ambulance', 'ambulance service', 'Ambulance assaults', 4),
        ('hospital_admissions', 'health', 'Hospital admissions', 5),
        ('probation_caseload', 'probation', 'Probation caseload', 6),
        ('probation_reoffending', 'probation', 'Proven reoffending', 7),
        ('school_pupils', 'education', 'School census', 8),
        ('school_exclusions', 'education', 'School exclusions', 9),
        ('marac_cases', 'MARAC', 'MARAC cases', 10)
    ) as listed (source, agency, source_label, source_order)
),

named as (
    -- a rejected file is read (and rejected) again at every run: keep its first rejection
    select *
    from (
        select
            loads.*,
            {{ regex_replace('loads.source_file', directory, '') }} as file_name,
            {{ regex_replace(regex_replace('loads.source_file', directory, ''), extension, '') }}
                as file_stem,
            row_number() over (
                partition by loads.source, loads.source_file, loads.sha256
                order by loads.loaded_at
            ) as load_order
        from {{ ref('stg_ops__load_log') }} as loads
        inner join sources on loads.source = sources.source
    ) as ordered_loads
    where load_order = 1
),

periods as (
    select
        named.*,
        -- the last YYYY-MM in the name, as the loader reads it (extract_period)
        {{ regex_last_match('file_stem', year_month, 2) }} as month_in_name,
        -- else a financial year YYYY-YY (hospital admissions): its last month is March
        {{ regex_last_match('file_stem', financial_year, 2, filter_var='fy',
            filter_condition='(cast(left(fy, 4) as integer) + 1) % 100'
                ~ ' = cast(right(fy, 2) as integer)') }} as financial_year_in_name,
        -- the extract's identity without version suffix, and without period: its sender
        {{ regex_replace(
            'lower(' ~ regex_replace('file_stem', version_suffix, '', 'i') ~ ')',
            period, '', 'g') }} as sender
    from named
),

dated as (
    select
        periods.*,
        case
            when month_in_name is not null then cast(month_in_name || '-01' as date)
            when financial_year_in_name is not null
                then make_date(cast(left(financial_year_in_name, 4) as integer) + 1, 3, 1)
        end as extract_month,
        case
            when month_in_name is not null then 'month'
            when financial_year_in_name is not null then 'financial year'
        end as period_type
    from periods
),

placed_everywhere as (
    {%- set marts = [
        ('police_crimes', 'fct_police_crimes', 'partnership_code'),
        ('policeuk_street', 'fct_policeuk_crimes', 'partnership_code'),
        ('ae_istv', 'fct_ae_assault_attendances', 'counted_partnership_code'),
        ('ambulance', 'fct_ambulance_assaults', 'partnership_code'),
        ('hospital_admissions', 'fct_hospital_admissions', 'partnership_code'),
        ('probation_caseload', 'fct_probation_caseload', 'partnership_code'),
        ('probation_reoffending', 'fct_proven_reoffending', 'partnership_code'),
        ('school_pupils', 'fct_school_pupils', 'partnership_code'),
        ('school_exclusions', 'fct_school_exclusions', 'partnership_code'),
        ('marac_cases', 'fct_marac_cases', 'partnership_code'),
    ] %}
    {%- for source, mart, partnership in marts %}
    select
        '{{ source }}' as source,
        source_file,
        {{ partnership }} as partnership_code,
        count(*) as rows_placed
    from {{ ref(mart) }}
    where {{ partnership }} is not null
    group by source_file, {{ partnership }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

placed_rows as (
    -- a partnership holding under 1% of a file's placed rows (a few records just over a
    -- force's or a department's boundary) is not one the file serves
    select source, source_file, partnership_code, rows_placed
    from (
        select
            *,
            sum(rows_placed) over (partition by source, source_file) as file_rows_placed
        from placed_everywhere
    ) as shares
    where rows_placed >= {{ min_share }} * file_rows_placed
),

sender_partnerships as (
    select distinct
        dated.source,
        dated.sender,
        placed_rows.partnership_code
    from dated
    inner join placed_rows
        on dated.source = placed_rows.source and dated.source_file = placed_rows.source_file
),

file_partnerships as (
    -- the file's own placed rows, else its sender's partnerships, else none
    select
        dated.source,
        dated.source_file,
        dated.sha256,
        coalesce(own.partnership_code, senders.partnership_code) as partnership_code,
        coalesce(own.rows_placed, 0) as rows_placed_in_partnership
    from dated
    left join placed_rows as own
        on dated.source = own.source and dated.source_file = own.source_file
    left join sender_partnerships as senders
        on own.partnership_code is null
        and dated.source = senders.source
        and dated.sender = senders.sender
)

select
    file_partnerships.partnership_code,
    coalesce(partnerships.partnership_name, 'Not known (no loaded rows)') as partnership_name,
    dated.source,
    sources.source_label,
    sources.agency,
    sources.source_order,
    dated.sender,
    dated.file_name,
    dated.source_file,
    dated.sha256,
    dated.period_type,
    dated.extract_month,
    {{ period_end }} as period_end,
    {{ financial_year_label('dated.extract_month') }} as financial_year,
    dated.received_at,
    {{ days_late }} as days_late,
    coalesce({{ days_late }} > {{ late_after_days }}, false) as is_late,
    dated.loaded_at,
    dated.status,
    dated.rows_read,
    dated.rows_loaded,
    dated.rows_quarantined,
    cast(dated.rows_quarantined as {{ type_double() }}) / nullif(dated.rows_read, 0)
        as share_quarantined,
    file_partnerships.rows_placed_in_partnership,
    dated.message,
    nullif(concat_ws('; ',
        case when dated.status = 'rejected' then 'rejected: nothing loaded' end,
        case when dated.status = 'superseded' then 'replaced by a corrected extract' end,
        case when dated.status = 'loaded'
                and dated.rows_quarantined >= {{ quarantine_share }} * dated.rows_read
                and dated.rows_quarantined > 0
            then cast(dated.rows_quarantined as {{ dbt.type_string() }}) || ' of '
                || cast(dated.rows_read as {{ dbt.type_string() }}) || ' rows quarantined' end,
        case when dated.rows_read = 0 and dated.status = 'loaded' then 'no rows' end,
        case
            when {{ days_late }} > {{ late_after_days }}
                then 'received ' || cast({{ days_late }} as {{ dbt.type_string() }})
                || ' days after the end of its period'
        end
    ), '') as issue,
    case
        when dated.status = 'rejected' then 1
        when dated.status = 'loaded' and dated.rows_quarantined > 0
            and dated.rows_quarantined >= {{ quarantine_share }} * dated.rows_read then 2
        when dated.status = 'superseded' then 3
        when dated.rows_read = 0 then 4
        when {{ days_late }} > {{ late_after_days }} then 5
    end as issue_severity
from dated
inner join sources on dated.source = sources.source
inner join file_partnerships
    on dated.source = file_partnerships.source
    and dated.source_file = file_partnerships.source_file
    and dated.sha256 = file_partnerships.sha256
left join {{ ref('dim_partnerships') }} as partnerships
    on file_partnerships.partnership_code = partnerships.partnership_code
