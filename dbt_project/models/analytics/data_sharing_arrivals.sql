-- Whether each period's extract arrived, one row per partnership × source × extract month
-- (the period a file's name gives; March for a financial year's file): how many senders the
-- partnership relies on for that source (a force, its emergency departments, itself…), how
-- many sent something, how late the last of them was, files rejected or replaced, rows read,
-- loaded and quarantined.
-- Arrival is a fact about a sender: once a sender's file for a period has come, it has come
-- for every partnership the sender serves, even if none of that partnership's rows loaded.
-- Months nobody sent appear as Missing: a partnership relies on a sender when the sender's
-- files usually hold its records (in at least half of the sender's periods since the first
-- that did), and then expects it every period of the source's rhythm (monthly, quarterly,
-- yearly: the smallest gap between the source's periods) from that first period to the
-- source's latest, except in a calendar month the source never covers (August for school
-- exclusions: schools are shut).
{%- set late_after_days = 45 %}

with files as (
    select *
    from {{ ref('data_sharing_files') }}
    where extract_month is not null
),

file_versions as (
    -- each file version once, whatever the partnerships it serves
    select distinct
        source, sender, extract_month, source_file, sha256, status, received_at, rows_read,
        rows_loaded, rows_quarantined
    from files
),

sender_periods as (
    select
        source,
        sender,
        extract_month,
        count(*) as files_received,
        count(case when status = 'loaded' then 1 end) as files_loaded,
        count(case when status = 'rejected' then 1 end) as files_rejected,
        count(case when status = 'superseded' then 1 end) as files_superseded,
        min(received_at) as first_received_at,
        coalesce(sum(case when status = 'loaded' then rows_read end), 0) as rows_read,
        coalesce(sum(case when status = 'loaded' then rows_loaded end), 0) as rows_loaded,
        coalesce(sum(case when status = 'loaded' then rows_quarantined end), 0) as rows_quarantined
    from file_versions
    group by source, sender, extract_month
),

source_rhythm as (
    select
        source,
        coalesce(min(months_apart), 1) as months_apart,
        max(extract_month) as last_month
    from (
        select
            source,
            extract_month,
            {{ dbt.datediff(
                '(lag(extract_month) over (partition by source order by extract_month))',
                'extract_month',
                'month') }} as months_apart
        from (select distinct source, extract_month from files) as months
    ) as gaps
    group by source
),

source_calendar as (
    -- the calendar months a source covers at all
    select distinct source, extract(month from extract_month) as calendar_month
    from files
),

pair_periods as (
    -- the periods in which a sender's files served a partnership, with its rows placed there
    select
        partnership_code,
        partnership_name,
        source,
        source_label,
        agency,
        source_order,
        sender,
        extract_month,
        sum(case when status = 'loaded' then rows_placed_in_partnership end)
            as rows_placed_in_partnership
    from files
    group by
        partnership_code, partnership_name, source, source_label, agency, source_order, sender,
        extract_month
),

pair_spans as (
    select
        partnership_code,
        partnership_name,
        source,
        source_label,
        agency,
        source_order,
        sender,
        min(extract_month) as first_month,
        count(*) as periods_served
    from pair_periods
    group by
        partnership_code, partnership_name, source, source_label, agency, source_order, sender
),

pairs as (
    -- a partnership relies on a sender whose files held its records in at least half of the
    -- sender's periods since the first that did
    {%- set pair_columns = [
        'partnership_code', 'partnership_name', 'source', 'source_label', 'agency',
        'source_order', 'sender', 'first_month'] %}
    select
        {%- for column in pair_columns %}
        pair_spans.{{ column }},
        {%- endfor %}
        -- one pair_spans row per group: periods_served is that row's
        {{ dbt.any_value('pair_spans.periods_served') }} * 2 >= count(*) as is_relied_on
    from pair_spans
    inner join sender_periods
        on pair_spans.source = sender_periods.source
        and pair_spans.sender = sender_periods.sender
        and sender_periods.extract_month >= pair_spans.first_month
    group by
        {%- for column in pair_columns %}
        pair_spans.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
),

expected as (
    select
        pairs.partnership_code,
        pairs.partnership_name,
        pairs.source,
        pairs.source_label,
        pairs.agency,
        pairs.source_order,
        pairs.sender,
        {{ month_series(
            'pairs.first_month', 'source_rhythm.last_month', 'source_rhythm.months_apart') }}
            as extract_month
    from pairs
    inner join source_rhythm on pairs.source = source_rhythm.source
    where pairs.is_relied_on
    union
    -- and every period a sender's file did serve the partnership
    select
        partnership_code, partnership_name, source, source_label, agency, source_order, sender,
        extract_month
    from pair_periods
),

sender_months as (
    select
        expected.*,
        coalesce(sender_periods.files_received, 0) as files_received,
        coalesce(sender_periods.files_loaded, 0) as files_loaded,
        coalesce(sender_periods.files_rejected, 0) as files_rejected,
        coalesce(sender_periods.files_superseded, 0) as files_superseded,
        sender_periods.first_received_at,
        coalesce(sender_periods.rows_read, 0) as rows_read,
        coalesce(sender_periods.rows_loaded, 0) as rows_loaded,
        coalesce(sender_periods.rows_quarantined, 0) as rows_quarantined,
        coalesce(pair_periods.rows_placed_in_partnership, 0) as rows_placed_in_partnership
    from expected
    inner join source_calendar
        on expected.source = source_calendar.source
        and extract(month from expected.extract_month) = source_calendar.calendar_month
    left join sender_periods
        on expected.source = sender_periods.source
        and expected.sender = sender_periods.sender
        and expected.extract_month = sender_periods.extract_month
    left join pair_periods
        on expected.partnership_code is not distinct from pair_periods.partnership_code
        and expected.source = pair_periods.source
        and expected.sender = pair_periods.sender
        and expected.extract_month = pair_periods.extract_month
),

months as (
    select
        partnership_code,
        partnership_name,
        source,
        source_label,
        agency,
        source_order,
        extract_month,
        count(*) as senders_expected,
        count(case when files_received > 0 then 1 end) as senders_received,
        count(case when files_loaded > 0 then 1 end) as senders_loaded,
        cast(sum(files_received) as bigint) as files_received,
        cast(sum(files_rejected) as bigint) as files_rejected,
        cast(sum(files_superseded) as bigint) as files_superseded,
        min(first_received_at) as first_received_at,
        max(first_received_at) as last_sender_received_at,
        cast(sum(rows_read) as bigint) as rows_read,
        cast(sum(rows_loaded) as bigint) as rows_loaded,
        cast(sum(rows_quarantined) as bigint) as rows_quarantined,
        cast(sum(rows_placed_in_partnership) as bigint) as rows_placed_in_partnership
    from sender_months
    group by
        partnership_code, partnership_name, source, source_label, agency, source_order,
        extract_month
),

measured as (
    select
        months.*,
        {{ dbt.last_day('extract_month', 'month') }} as period_end,
        {{ dbt.datediff(
            dbt.last_day('extract_month', 'month'), 'cast(last_sender_received_at as date)',
            'day') }} as days_late
    from months
)

select
    partnership_code,
    partnership_name,
    source,
    source_label,
    agency,
    source_order,
    partnership_name || ' · ' || source_label as partnership_source,
    extract_month,
    period_end,
    {{ financial_year_label('extract_month') }} as financial_year,
    senders_expected,
    senders_received,
    senders_loaded,
    senders_received > 0 as has_arrived,
    case
        when senders_received = 0 then 'Missing'
        when senders_loaded = 0 then 'Rejected'
        when senders_received < senders_expected then 'Partly received'
        when days_late > {{ late_after_days }} then 'Late (over {{ late_after_days }} days)'
        else 'Received'
    end as arrival_status,
    files_received,
    files_rejected,
    files_superseded,
    first_received_at,
    last_sender_received_at,
    days_late,
    rows_read,
    rows_loaded,
    rows_quarantined,
    cast(rows_quarantined as {{ type_double() }}) / nullif(rows_read, 0) as share_quarantined,
    rows_placed_in_partnership
from measured
