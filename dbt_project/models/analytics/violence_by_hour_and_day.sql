-- When violence happens: one row per partnership x source x financial year x day of the week
-- x hour of the day (every one of the 7 x 24 cells, 0 when nothing happened then), for the
-- hour-of-day by day-of-week heatmaps. Police: violence against the person offences by the
-- time the offence occurred (financial year of the recorded date). Emergency departments:
-- assault attendances by the time of the assault where the patient gave it (financial year
-- of arrival; attendances without an assault time are left out), counted by
-- counted_partnership_code. Aggregated counts only, never records.
{%- set days = [
    (1, 'Monday', 'Mon', '2024-01-01'),
    (2, 'Tuesday', 'Tue', '2024-01-02'),
    (3, 'Wednesday', 'Wed', '2024-01-03'),
    (4, 'Thursday', 'Thu', '2024-01-04'),
    (5, 'Friday', 'Fri', '2024-01-05'),
    (6, 'Saturday', 'Sat', '2024-01-06'),
    (7, 'Sunday', 'Sun', '2024-01-07'),
] %}
with events as (
    select
        'police' as source,
        partnership_code,
        financial_year,
        cast({{ day_of_week_iso('occurred_at') }} as integer) as day_of_week_number,
        cast(extract(hour from occurred_at) as integer) as hour_of_day
    from {{ ref('fct_police_crimes') }}
    where offence_group = 'VAP'
        and partnership_code is not null
        and occurred_at is not null

    union all

    select
        'ed' as source,
        counted_partnership_code as partnership_code,
        financial_year,
        cast({{ day_of_week_iso('assault_at') }} as integer) as day_of_week_number,
        cast(extract(hour from assault_at) as integer) as hour_of_day
    from {{ ref('fct_ae_assault_attendances') }}
    where counted_partnership_code is not null
        and assault_at is not null
),

counts as (
    select
        source,
        partnership_code,
        financial_year,
        day_of_week_number,
        hour_of_day,
        count(*) as incidents
    from events
    group by source, partnership_code, financial_year, day_of_week_number, hour_of_day
),

days as (
    {%- for number, name, short, axis_date in days %}
    select
        {{ number }} as day_of_week_number,
        '{{ name }}' as day_of_week,
        '{{ short }}' as day_of_week_short,
        cast('{{ axis_date }}' as timestamp) as day_of_week_axis
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

hours as (
    {%- for hour in range(24) %}
    select {{ hour }} as hour_of_day, '{{ "%02d" % hour }}:00' as hour_label
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

cells as (
    -- every cell of the week for each partnership, source and year that has data
    select
        covered.source,
        covered.partnership_code,
        covered.financial_year,
        days.day_of_week_number,
        days.day_of_week,
        days.day_of_week_short,
        days.day_of_week_axis,
        hours.hour_of_day,
        hours.hour_label
    from (select distinct source, partnership_code, financial_year from counts) as covered
    cross join days
    cross join hours
)

select
    cells.partnership_code,
    partnerships.partnership_name,
    cells.source,
    case cells.source
        when 'police' then 'Police recorded violence against the person'
        when 'ed' then 'Emergency department assault attendances'
    end as source_name,
    cells.financial_year,
    cells.day_of_week_number,
    cells.day_of_week,
    cells.day_of_week_short,
    cells.day_of_week_axis,
    cells.hour_of_day,
    cells.hour_label,
    (cells.day_of_week_number in (5, 6) and cells.hour_of_day >= 18)
        or (cells.day_of_week_number in (6, 7) and cells.hour_of_day < 6) as is_weekend_night,
    cast(coalesce(counts.incidents, 0) as bigint) as incidents
from cells
inner join {{ ref('dim_partnerships') }} as partnerships
    on cells.partnership_code = partnerships.partnership_code
left join counts
    on cells.source = counts.source
    and cells.partnership_code = counts.partnership_code
    and cells.financial_year = counts.financial_year
    and cells.day_of_week_number = counts.day_of_week_number
    and cells.hour_of_day = counts.hour_of_day
