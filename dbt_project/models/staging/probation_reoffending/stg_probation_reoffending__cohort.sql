-- One row per person per cohort quarter as loaded, renamed and typed; a record re-sent in a
-- later extract appears once per file here and is counted once in
-- int_proven_reoffending_placed.
select
    person_id,
    cohort_quarter,
    cast({{ dbt.concat([
        "left(cohort_quarter, 4)", "'-'",
        "lpad(cast((cast(right(cohort_quarter, 1) as integer) - 1) * 3 + 1 as "
            ~ dbt.type_string() ~ "), 2, '0')",
        "'-01'"]) }} as date) as cohort_quarter_start,
    lad_code,
    offence_group,
    reoffended,
    reoffences,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('probation_reoffending', 'probation_reoffending') }}
