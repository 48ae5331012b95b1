-- Hospital admissions for assault (ICD-10 X85-Y09): one count per district of residence,
-- financial year, age band and sex, with the district's partnership.
select
    lad_code,
    lad_name,
    partnership_code,
    financial_year,
    financial_year_start,
    age_band,
    age_band_start,
    sex,
    admissions,
    source_file,
    source_line
from {{ ref('int_hospital_admissions_placed') }}
