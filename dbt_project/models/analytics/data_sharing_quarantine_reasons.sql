-- Why rows were quarantined, one row per partnership × source × extract month × rule. The
-- loader writes every rule a row broke, with the offending value, joined with '; '
-- (orchestration/ingest/validate.py); here each reason is cut to its rule: the field and what
-- is wrong with it, without the value ("recorded_date '02/04/2024' is not a date
-- (YYYY-MM-DD)" becomes "recorded_date is not a date (YYYY-MM-DD)"), so that reasons add
-- up. A row that broke two rules counts under both. Quarantined rows cannot be placed
-- themselves: they count for every partnership of their file (data_sharing_files).

with files as (
    select distinct
        partnership_code,
        partnership_name,
        source,
        source_label,
        agency,
        source_file,
        sha256,
        extract_month,
        financial_year
    from {{ ref('data_sharing_files') }}
    where status = 'loaded'
),

reasons as (
    select
        source,
        source_file,
        sha256,
        source_line,
        trim(unnest(string_split(reason, '; '))) as reason_text
    from {{ ref('stg_ops__quarantine') }}
),

rules as (
    select
        reasons.*,
        case
            when reason_text like 'line cannot be read as CSV%'
                then 'line cannot be read as CSV (wrong number of fields, bad quoting)'
            when regexp_full_match(reason_text, 'duplicate of the record on line [0-9]+')
                then 'duplicate of an earlier record in the same file'
            else regexp_replace(
                -- "<field> '<value>' is <rule>": drop the value (the last "' is " ends it)
                regexp_replace(reason_text, '^([^'']+?) ''.*'' (is .*)$', '\1 \2'),
                ' \((19|20)[0-9]{2}-[0-9]{2}\)$', ''  -- "… is after the extract's period (2024-04)"
            )
        end as reason_rule
    from reasons
)

select
    files.partnership_code,
    files.partnership_name,
    files.source,
    files.source_label,
    files.agency,
    files.extract_month,
    files.financial_year,
    rules.reason_rule,
    files.source_label || ': ' || rules.reason_rule as source_rule,
    count(distinct rules.source_file || ':' || cast(rules.source_line as varchar))
        as rows_quarantined,
    count(distinct rules.source_file) as files,
    any_value(rules.reason_text) as example_reason
from rules
inner join files
    on rules.source = files.source
    and rules.source_file = files.source_file
    and rules.sha256 = files.sha256
group by all
