"""``school_pupils``: pupils on roll by local authority district and academic year.

The denominators for school exclusions: the January school census count of pupils at the
schools in each district (state-funded primary, secondary and special schools). One CSV per
census (``census_<YYYY>-01.csv``), one row per district.
"""

from __future__ import annotations

from orchestration.contracts.base import Contract, Field
from orchestration.contracts.probation_caseload import LAD_PATTERN

CONTRACT = SCHOOL_PUPILS = Contract(
    source="school_pupils",
    agency="education",
    description=(
        "Pupils on roll by district and academic year (January school census): one CSV per "
        "census (`census_<YYYY>-01.csv`), one row per local authority district."
    ),
    key=("lad_code", "academic_year"),
    row_checks=(
        (
            "regexp_full_match(trim(academic_year), '[0-9]{4}/[0-9]{2}') AND "
            "(try_cast(left(trim(academic_year), 4) AS INTEGER) + 1) % 100 "
            "<> try_cast(right(trim(academic_year), 2) AS INTEGER)",
            "academic_year does not span two consecutive years",
        ),
    ),
    fields=(
        Field("lad_code", "varchar", True,
              "Local authority district where the schools are (E06, E07, E08 or E09).",
              pattern=LAD_PATTERN),
        Field("academic_year", "varchar", True,
              "Academic year, September to August, as YYYY/YY (e.g. 2023/24).",
              pattern=r"^(19|20)[0-9]{2}/[0-9]{2}$"),
        Field("pupils", "integer", True,
              "Pupils on roll at the district's state-funded schools at the January census.",
              minimum=0),
    ),
)
