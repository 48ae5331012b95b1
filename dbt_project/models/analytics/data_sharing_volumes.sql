-- How many records each month's extract holds for a partnership, against the partnership's
-- usual: the median of that source's previous twelve months with an extract (at least three
-- needed). A fall of 60% or more (records below 40% of a usual of at least 50) is a volume drop: a file cut
-- short, a filter gone wrong at the sender, a force's system change. The pipeline's volume
-- checks (orchestration/assets/quality.py) stop publishing on a police drop and warn on the
-- others, unless the partnership has accepted it (seed accepted_volume_changes).
{%- set drop_below = 0.4 %}
{%- set steady_sources = ['police_crimes', 'policeuk_street', 'ae_istv', 'ambulance',
                          'probation_caseload', 'marac_cases'] %}
{%- set history_months = 12 %}
{%- set min_history = 3 %}
{#- below this many records a month, a fall of 60% is ordinary chance (a usual of 20 MARAC
    cases gives 8 or fewer about once in 400 months), not a sign of a broken extract #}
{%- set min_usual = 50 %}

with monthly as (
    -- files loaded for a month: the records they placed in the partnership
    select
        partnership_code,
        partnership_name,
        source,
        source_label,
        agency,
        extract_month,
        count(*) as files_loaded,
        sum(rows_placed_in_partnership) as records
    from {{ ref('data_sharing_files') }}
    where status = 'loaded' and period_type = 'month' and partnership_code is not null
        -- sources whose monthly volume is steady; school exclusions follow the school year
        -- (short months in July and September, none in August), the school census is termly
        and source in ({{ "'" ~ steady_sources | join("', '") ~ "'" }})
    group by partnership_code, partnership_name, source, source_label, agency, extract_month
),

with_usual as (
    select
        monthly.*,
        {{ median_value('records') }} over recent as usual_records,
        count(*) over recent as history_months
    from monthly
    window recent as (
        partition by partnership_code, source
        order by extract_month
        rows between {{ history_months }} preceding and 1 preceding
    )
)

select
    with_usual.partnership_code,
    with_usual.partnership_name,
    with_usual.source,
    with_usual.source_label,
    with_usual.agency,
    with_usual.extract_month,
    with_usual.files_loaded,
    with_usual.records,
    case when with_usual.history_months >= {{ min_history }} then with_usual.usual_records end
        as usual_records,
    with_usual.history_months,
    case
        when with_usual.history_months >= {{ min_history }} and with_usual.usual_records > 0
            then with_usual.records * 1.0 / with_usual.usual_records - 1
    end as change_vs_usual,
    coalesce(
        with_usual.history_months >= {{ min_history }}
        and with_usual.usual_records >= {{ min_usual }}
        and with_usual.records < {{ drop_below }} * with_usual.usual_records,
        false
    ) as is_volume_drop,
    accepted.partnership_code is not null as is_accepted,
    accepted.reason as accepted_reason,
    with_usual.extract_month
    = max(with_usual.extract_month) over (
        partition by with_usual.partnership_code, with_usual.source
    ) as is_latest_month
from with_usual
left join {{ ref('accepted_volume_changes') }} as accepted
    on with_usual.source = accepted.source
    and with_usual.partnership_code = accepted.partnership_code
    and with_usual.extract_month = accepted.extract_month
