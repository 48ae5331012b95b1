-- One row per district and academic year as loaded, renamed and typed; a count re-sent in a
-- later extract appears once per file here and is counted once in int_school_pupils_placed.
select
    lad_code,
    academic_year,
    cast({{ dbt.concat(["left(academic_year, 4)", "'-09-01'"]) }} as date) as academic_year_start,
    pupils,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('school_pupils', 'school_pupils') }}
