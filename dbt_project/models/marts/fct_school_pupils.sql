-- Pupils on roll per district and academic year: the denominators of exclusion rates.
select
    lad_code,
    academic_year,
    academic_year_start,
    partnership_code,
    pupils,
    source_file,
    source_line
from {{ ref('int_school_pupils_placed') }}
