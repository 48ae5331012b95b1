{{ config(materialized='table') }}
-- Numerators (and, for proportions, denominators) of the monthly-sourced indicators: one row
-- per indicator x partnership x month in which the partnership's extract for that source has
-- records. A month with an extract but no qualifying record gives 0; a month with no extract
-- gives no row, so a missing extract never passes for a zero.
-- Each indicator's numerator and denominator are written out below, source by source; the
-- indicator catalogue (seed indicator_catalogue) describes them in words.
{#- Friday or Saturday from 18:00 to 05:59 the next morning (0 = Sunday, 5 = Friday) -#}
{%- set day = day_of_week_sunday_0('occurred_at') %}
{%- set night_time = "(
        (" ~ day ~ " = 5 and extract(hour from occurred_at) >= 18)
        or (" ~ day ~ " = 6 and extract(hour from occurred_at) < 6)
        or (" ~ day ~ " = 6 and extract(hour from occurred_at) >= 18)
        or (" ~ day ~ " = 0 and extract(hour from occurred_at) < 6)
    ) and location_type in ('street', 'transport', 'licensed_premises')" %}
{%- set sources = [
    {
        'name': 'police', 'relation': ref('fct_police_crimes'),
        'partnership': 'partnership_code', 'month': 'recorded_month',
        'indicators': [
            ('vap_per_1000', "offence_group = 'VAP'", none),
            ('violence_with_injury_per_1000', "offence_subgroup = 'VAP_VWI'", none),
            ('violence_without_injury_per_1000', "offence_subgroup = 'VAP_VWO'", none),
            ('stalking_harassment_per_1000', "offence_subgroup = 'VAP_SH'", none),
            ('homicide_per_100k', "offence_subgroup = 'VAP_HOM'", none),
            ('homicide_count', "offence_subgroup = 'VAP_HOM'", none),
            ('knife_crime_per_100k',
                "offence_group in ('VAP', 'ROB', 'SEX') and is_knife_or_sharp_instrument", none),
            ('domestic_abuse_violence_per_1000',
                "offence_group = 'VAP' and is_domestic_abuse", none),
            ('nte_violence_per_1000', "offence_group = 'VAP' and " ~ night_time, none),
            ('robbery_per_1000', "offence_group = 'ROB'", none),
            ('sexual_offences_per_1000', "offence_group = 'SEX'", none),
            ('alcohol_related_violence_pct',
                "offence_group = 'VAP' and is_alcohol_related", "offence_group = 'VAP'"),
        ],
    },
    {
        'name': 'policeuk', 'relation': ref('fct_policeuk_crimes'),
        'partnership': 'partnership_code', 'month': 'month',
        'indicators': [
            ('policeuk_violence_sexual_per_1000',
                "crime_type = 'Violence and sexual offences'", none),
        ],
    },
    {
        'name': 'ed_counted', 'relation': ref('fct_ae_assault_attendances'),
        'partnership': 'counted_partnership_code', 'month': 'arrival_month',
        'indicators': [
            ('ed_assault_attendances_per_100k', 'true', none),
            ('ed_knife_assaults_per_100k', "assault_method = 'knife_sharp'", none),
        ],
    },
    {
        'name': 'ed_sites', 'relation': ref('fct_ae_assault_attendances'),
        'partnership': 'site_partnership_code', 'month': 'arrival_month',
        'indicators': [
            ('ed_assault_location_recorded_pct', 'has_usable_location', 'true'),
        ],
    },
    {
        'name': 'ambulance', 'relation': ref('fct_ambulance_assaults'),
        'partnership': 'partnership_code', 'month': 'call_month',
        'indicators': [
            ('ambulance_assaults_per_100k', 'true', none),
        ],
    },
    {
        'name': 'probation', 'relation': ref('fct_probation_caseload'),
        'partnership': 'partnership_code', 'month': 'snapshot_month',
        'indicators': [
            ('probation_high_rosh_pct', 'is_high_risk', 'true'),
        ],
    },
    {
        'name': 'reoffending', 'relation': ref('fct_proven_reoffending'),
        'partnership': 'partnership_code', 'month': 'cohort_quarter_start',
        'indicators': [
            ('violent_proven_reoffending_pct',
                "offence_group = 'violence' and reoffended", "offence_group = 'violence'"),
        ],
    },
    {
        'name': 'marac', 'relation': ref('fct_marac_cases'),
        'partnership': 'partnership_code', 'month': 'conference_month',
        'indicators': [
            ('marac_cases_per_10k_women', 'true', none),
            ('marac_repeat_pct', 'is_repeat', 'true'),
        ],
    },
] %}

with
{% for source in sources %}
{{ source.name }} as (
    select
        {{ source.partnership }} as partnership_code,
        cast({{ source.month }} as date) as month_start
        {%- for indicator_id, numerator, denominator in source.indicators %},
        sum(case when {{ numerator }} then 1 else 0 end) as {{ indicator_id }}__numerator
        {%- if denominator is not none %},
        sum(case when {{ denominator }} then 1 else 0 end) as {{ indicator_id }}__denominator
        {%- endif %}
        {%- endfor %}
    from {{ source.relation }}
    where {{ source.partnership }} is not null
    group by {{ source.partnership }}, cast({{ source.month }} as date)
),
{% endfor %}

ed_unseen as (
    -- only months in which both the hospital and the police extracts arrived
    select
        matched.partnership_code,
        cast(matched.arrival_month as date) as month_start,
        sum(case when matched.has_police_match then 0 else 1 end)
            as ed_assaults_unseen_by_police_pct__numerator,
        count(*) as ed_assaults_unseen_by_police_pct__denominator
    from {{ ref('int_ae_attendances_police_matched') }} as matched
    inner join police
        on matched.partnership_code = police.partnership_code
        and cast(matched.arrival_month as date) = police.month_start
    group by matched.partnership_code, cast(matched.arrival_month as date)
)

{% for source in sources %}
{%- for indicator_id, numerator, denominator in source.indicators %}
select
    '{{ indicator_id }}' as indicator_id,
    partnership_code,
    month_start,
    cast({{ indicator_id }}__numerator as bigint) as numerator,
    cast({{ indicator_id ~ '__denominator' if denominator is not none else 'null' }} as bigint)
        as denominator
from {{ source.name }}
union all
{% endfor %}
{%- endfor %}
select
    'ed_assaults_unseen_by_police_pct' as indicator_id,
    partnership_code,
    month_start,
    cast(ed_assaults_unseen_by_police_pct__numerator as bigint) as numerator,
    cast(ed_assaults_unseen_by_police_pct__denominator as bigint) as denominator
from ed_unseen
