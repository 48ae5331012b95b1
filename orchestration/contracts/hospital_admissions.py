"""``hospital_admissions``: hospital admissions for assault, as aggregate counts.

Admitted patient care episodes with an external cause of assault (ICD-10 X85-Y09), counted
as hospital statistics are shared with partnerships: by local authority district of residence,
financial year, five-year age band (the 19 bands of the European Standard Population 2013) and
sex. One CSV per financial year (``assault_admissions_<YYYY>-<YY>.csv``); no person-level data.
"""

from __future__ import annotations

from orchestration.contracts.base import Contract, Field

# The 19 age bands of the European Standard Population 2013: 0-4, 5-9, ..., 85-89, 90+.
AGE_BANDS: tuple[str, ...] = tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)) + ("90+",)
SEXES = ("M", "F")

CONTRACT = HOSPITAL_ADMISSIONS = Contract(
    source="hospital_admissions",
    agency="health",
    description=(
        "Hospital admissions for assault (ICD-10 X85-Y09), aggregate counts by local authority "
        "district of residence, financial year, age band and sex: one CSV per financial year "
        "(`assault_admissions_<YYYY>-<YY>.csv`)."
    ),
    key=("lad_code", "financial_year", "age_band", "sex"),
    row_checks=(
        (
            "regexp_full_match(trim(financial_year), '20[0-9]{2}/[0-9]{2}') "
            "AND (try_cast(left(trim(financial_year), 4) AS INTEGER) + 1) % 100 "
            "<> try_cast(right(trim(financial_year), 2) AS INTEGER)",
            "financial_year does not span consecutive years",
        ),
    ),
    notes=(
        "A count re-sent in a later file (same district, year, age band and sex) replaces "
        "the earlier one: the version that arrived last wins.",
        "Counts are not suppressed; small numbers must be handled before publication.",
    ),
    fields=(
        Field("lad_code", "varchar", True,
              "ONS code of the local authority district of residence (E06, E07, E08 or E09).",
              pattern=r"^E0[6-9][0-9]{6}$"),
        Field("financial_year", "varchar", True,
              "Financial year of the admission, April to March (e.g. 2023/24).",
              pattern=r"^20[0-9]{2}/[0-9]{2}$"),
        Field("age_band", "varchar", True,
              "Five-year age band at admission (European Standard Population 2013 bands).",
              codes=AGE_BANDS),
        Field("sex", "varchar", True, "Sex: M or F.", codes=SEXES),
        Field("admissions", "integer", True,
              "Finished admission episodes with an assault external cause (X85-Y09).",
              minimum=0),
    ),
)
