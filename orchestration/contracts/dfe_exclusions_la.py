"""``dfe_exclusions_la``: the Department for Education's published table of permanent and
fixed-period exclusions by reason, for England, its regions and every local authority,
2006/07 to 2016/17 (SFR35/2017 underlying data, ``reasons.csv``), loaded exactly as published.

One row per academic year, geographic level, area and school type; one column per exclusion
type and reason (12 reasons, permanent and fixed-period). Counts are published rounded, with
``x`` where the Department suppressed a small number: a suppressed value is kept as ``x`` in
raw and becomes NULL with a suppressed flag in staging, never 0. Local-authority permanent
exclusion counts for 2006/07 to 2009/10 are published with decimals (e.g. 3.33333): kept as
published.

Local authorities here are upper-tier authorities (counties E10, unitaries E06, metropolitan
districts E08, London boroughs E09), with their codes as at 2017. Bedfordshire and Cheshire
(abolished in 2009) appear for 2006/07 and 2007/08 with new_la_code ``.`` (no code).

Source: Department for Education, "Permanent and fixed-period exclusions in England: 2016 to
2017" (SFR35/2017), as repackaged in a public repository (its MIT licence covers the
repackaging). Contains public sector information licensed under the Open Government Licence
v3.0.
"""

from __future__ import annotations

from orchestration.contracts.base import Contract, Field

LEVELS = ("NATIONAL", "REGIONAL", "LOCAL AUTHORITY")
SCHOOL_TYPES = ("Total", "State-funded primary", "State-funded secondary", "Special")

# reasons.csv column suffix -> (the project's reason code, as in the school_exclusions
# contract, and the DfE's wording)
REASONS: dict[str, tuple[str, str]] = {
    "physical_pupils": ("physical_assault_pupil", "Physical assault against a pupil"),
    "physical_adult": ("physical_assault_adult", "Physical assault against an adult"),
    "verbal_pupil": ("verbal_abuse_pupil",
                     "Verbal abuse or threatening behaviour against a pupil"),
    "verbal_adult": ("verbal_abuse_adult",
                     "Verbal abuse or threatening behaviour against an adult"),
    "bullying": ("bullying", "Bullying"),
    "racist_abuse": ("racist_abuse", "Racist abuse"),
    "sexual_misconduct": ("sexual_misconduct", "Sexual misconduct"),
    "drug_alcohol": ("drug_alcohol", "Drug and alcohol related"),
    "damage": ("damage", "Damage to property"),
    "theft": ("theft", "Theft"),
    "persistent_disruptive": ("persistent_disruptive", "Persistent disruptive behaviour"),
    "other": ("other", "Other"),
}
EXCLUSION_TYPES = {"perm": "permanent exclusions", "fixed": "fixed-period exclusions"}

# A count as published: a whole or decimal number, or x (suppressed by the DfE).
COUNT_PATTERN = r"^([0-9]+(\.[0-9]+)?|x)$"
SYMBOLS_NOTE = (
    "A number (rounded as published; decimals occur in 2006/07-2009/10 local-authority "
    "permanent exclusions), or x: suppressed by the DfE (a small number withheld to protect "
    "pupils; not zero, not known)."
)


def _blank(column: str) -> str:
    return f"nullif(trim(\"{column}\"), '') IS NULL"


def _count_fields() -> tuple[Field, ...]:
    return tuple(
        Field(f"{prefix}_{suffix}", "varchar", True,
              f"Number of {kind} for '{wording}'. {SYMBOLS_NOTE}", pattern=COUNT_PATTERN)
        for prefix, kind in EXCLUSION_TYPES.items()
        for suffix, (_, wording) in REASONS.items()
    )


CONTRACT = DFE_EXCLUSIONS_LA = Contract(
    source="dfe_exclusions_la",
    agency="education",
    description=(
        "The DfE's published exclusions-by-reason table (SFR35/2017, `reasons.csv`): "
        "permanent and fixed-period exclusions by reason for England, regions and local "
        "authorities, 2006/07 to 2016/17, one row per year, area and school type, loaded as "
        "published (`x` = suppressed)."
    ),
    key=("year", "level", "old_la_code", "school_type"),
    file_globs=("*.csv",),
    row_checks=(
        (
            "try_cast(substr(trim(year), 5, 2) AS INTEGER) "
            "<> (try_cast(substr(trim(year), 3, 2) AS INTEGER) + 1) % 100",
            "year is not an academic year of two consecutive years (e.g. 201617)",
        ),
        (
            f"trim(level) = 'LOCAL AUTHORITY' AND ({_blank('region_code')} OR "
            f"{_blank('old_la_code')} OR {_blank('new_la_code')} OR {_blank('la_name')})",
            "a LOCAL AUTHORITY row needs region_code, old_la_code, new_la_code and la_name",
        ),
        (
            f"trim(level) = 'REGIONAL' AND ({_blank('region_code')} OR NOT "
            f"({_blank('old_la_code')} AND {_blank('new_la_code')} AND {_blank('la_name')}))",
            "a REGIONAL row needs region_code and no local authority",
        ),
        (
            f"trim(level) = 'NATIONAL' AND NOT ({_blank('region_code')} AND "
            f"{_blank('old_la_code')} AND {_blank('new_la_code')} AND {_blank('la_name')})",
            "a NATIONAL row has no region or local authority",
        ),
    ),
    fields=(
        Field("year", "varchar", True,
              "Academic year as six digits: the two calendar years it spans (201617 = 2016/17).",
              pattern=r"^20[0-9]{4}$"),
        Field("level", "varchar", True,
              "Geographic level of the row: England, a region, or a local authority.",
              codes=LEVELS),
        Field("country_code", "varchar", True, "ONS code of England.", codes=("E92000001",)),
        Field("country_name", "varchar", True, "Country name.", codes=("England",)),
        Field("region_code", "varchar", False,
              "ONS code of the region (E12…; London split into Inner London E13000001 and "
              "Outer London E13000002); blank on the national rows.",
              pattern=r"^E1[23][0-9]{6}$"),
        Field("region_name", "varchar", False, "Region name; blank on the national rows."),
        Field("old_la_code", "varchar", False,
              "The DfE's three-digit local authority number (e.g. 888 Lancashire); blank on "
              "national and regional rows.", pattern=r"^[0-9]{3}$"),
        Field("new_la_code", "varchar", False,
              "ONS code of the upper-tier local authority as at 2017: county (E10), unitary "
              "(E06), metropolitan district (E08) or London borough (E09); '.' for an "
              "authority abolished in 2009 (Bedfordshire, Cheshire) that has none; blank on "
              "national and regional rows.", pattern=r"^(E(06|08|09|10)[0-9]{6}|\.)$"),
        Field("la_name", "varchar", False,
              "Local authority name; blank on national and regional rows."),
        Field("school_type", "varchar", True,
              "School type: state-funded primary, state-funded secondary, special, or their "
              "total.", codes=SCHOOL_TYPES),
        *_count_fields(),
    ),
    notes=(
        "Counts are text in raw so that `x` (suppressed) is never read as 0; staging gives "
        "each count as a number (NULL when suppressed) with a `_suppressed` flag.",
        "Published for upper-tier local authorities: a county's figures are the county's, not "
        "split among its districts' Community Safety Partnerships.",
        "Contains public sector information licensed under the Open Government Licence v3.0.",
    ),
)
