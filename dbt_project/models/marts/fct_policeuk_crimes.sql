-- Published police.uk records: one row per crime (or anti-social behaviour incident),
-- placed in a partnership and financial year.
select
    crime_id,
    month,
    {{ financial_year_start('month') }} as financial_year_start,
    {{ financial_year_label('month') }} as financial_year,
    crime_type,
    reported_by,
    falls_within,
    lsoa_code,
    lsoa_name,
    partnership_code,
    longitude,
    latitude,
    location_description,
    last_outcome_category,
    source_file,
    source_line
from {{ ref('int_policeuk_crimes_placed') }}
