-- Why rows were quarantined, one row per partnership × source × extract month × rule. The
-- loader writes every rule a row broke, with the offending value, joined with '; '
-- (orchestration/ingest/validate.py); here each reason is cut to its rule: the field and what
-- is wrong with it, without the value ("recorded_date '02/04/2024' is not a date
-- (YYYY-MM-DD)" becomes "recorded_date is not a date (YYYY-MM-DD)"), so that reasons add
-- up. A row that broke two rules counts under both. Quarantined rows cannot be placed
-- themselves: they count for every partnership of their file (data_sharing_files).
{#- Regular expressions as written (macros/cross_db/regex.sql quotes them for the engine). #}
{%- set duplicate_line %}duplicate of the record on line [0-9]+{% endset %}
{#- "<field> '<value>' is <rule>": the value ends at the last "' is " #}
{%- set field_value_rule %}^([^']+?) '.*' (is .*)${% endset %}
{#- "... is after the extract's period (2024-04)" #}
{%- set period_suffix %} \((19|20)[0-9]{2}-[0-9]{2}\)${% endset %}

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

reason_parts as (
    select
        source,
        source_file,
        sha256,
        source_line,
        {{ split_to_rows('reason', '; ') }} as reason_part
    from {{ ref('stg_ops__quarantine') }}
),

reasons as (
    select
        source,
        source_file,
        sha256,
        source_line,
        trim(reason_part) as reason_text
    from reason_parts
),

rules as (
    select
        reasons.*,
        case
            when reason_text like 'line cannot be read as CSV%'
                then 'line cannot be read as CSV (wrong number of fields, bad quoting)'
            when {{ regex_full_match('reason_text', duplicate_line) }}
                then 'duplicate of an earlier record in the same file'
            -- drop the value, then a period at the end ("... is after the extract's period")
            else {{ regex_replace(
                regex_replace('reason_text', field_value_rule, '\\1 \\2'), period_suffix, '') }}
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
    count(distinct rules.source_file || ':' || cast(rules.source_line as {{ dbt.type_string() }}))
        as rows_quarantined,
    count(distinct rules.source_file) as files,
    -- reason_text is never NULL: DuckDB's arbitrary() (dbt.any_value) picks as any_value() does
    {{ dbt.any_value('rules.reason_text') }} as example_reason
from rules
inner join files
    on rules.source = files.source
    and rules.source_file = files.source_file
    and rules.sha256 = files.sha256
group by
    files.partnership_code,
    files.partnership_name,
    files.source,
    files.source_label,
    files.agency,
    files.extract_month,
    files.financial_year,
    rules.reason_rule,
    files.source_label || ': ' || rules.reason_rule
