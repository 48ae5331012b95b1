-- One row per admission count as loaded, renamed and typed; a count re-sent in a later
-- extract appears once per file here and is counted once in int_hospital_admissions_placed.
select
    lad_code,
    financial_year,
    cast({{ dbt.concat(["left(financial_year, 4)", "'-04-01'"]) }} as date) as financial_year_start,
    age_band,
    cast({{ dbt.split_part("replace(age_band, '+', '')", "'-'", 1) }} as integer)
        as age_band_start,
    sex,
    admissions,
    _file as source_file,
    _line_number as source_line,
    _loaded_at as loaded_at,
    _received_at as received_at
from {{ source('hospital_admissions', 'hospital_admissions') }}
