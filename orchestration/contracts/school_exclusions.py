"""``school_exclusions``: suspensions and permanent exclusions from a local authority's pupil
system.

The upper-tier local authority (a unitary, metropolitan or London borough council, or a county
council) keeps the exclusions of the schools it maintains or oversees. One CSV per authority
per month (``<la_code>_<YYYY-MM>.csv``), one row per exclusion. Community Safety Partnerships
are district-level, and a county spans several of them, so each record also carries the
district of the school (lad_code): that is what places it in a partnership.
"""

from __future__ import annotations

from orchestration.contracts.base import Contract, Field
from orchestration.contracts.probation_caseload import LAD_PATTERN

EXCLUSION_TYPES: dict[str, str] = {
    "suspension": "Suspension (fixed-period exclusion)",
    "permanent": "Permanent exclusion",
}
# The Department for Education's reason categories (school census exclusion reasons).
REASONS: dict[str, str] = {
    "physical_assault_pupil": "Physical assault against a pupil",
    "physical_assault_adult": "Physical assault against an adult",
    "verbal_abuse_pupil": "Verbal abuse or threatening behaviour against a pupil",
    "verbal_abuse_adult": "Verbal abuse or threatening behaviour against an adult",
    "bullying": "Bullying",
    "racist_abuse": "Racist abuse",
    "sexual_misconduct": "Sexual misconduct",
    "drug_alcohol": "Drug and alcohol related",
    "damage": "Damage to property",
    "theft": "Theft",
    "persistent_disruptive": "Persistent disruptive behaviour",
    "other": "Other (including use or threat of an offensive weapon)",
}
# The Unique Pupil Number: a check letter, 11 digits, and a digit or letter.
UPN_PATTERN = r"^[A-Z][0-9]{11}[0-9A-Z]$"

CONTRACT = SCHOOL_EXCLUSIONS = Contract(
    source="school_exclusions",
    agency="education",
    description=(
        "Suspensions and permanent exclusions from a local authority's pupil system: one CSV "
        "per authority per month (`<la_code>_<YYYY-MM>.csv`), one row per exclusion."
    ),
    period_field="exclusion_date",
    key=("pupil_id", "exclusion_date", "school_urn"),
    row_checks=(
        (
            "regexp_full_match(trim(la_code), 'E(06|08|09)[0-9]{6}') "
            "AND trim(lad_code) <> trim(la_code)",
            "lad_code differs from la_code though la_code is a single-tier authority",
        ),
        (
            "starts_with(trim(la_code), 'E10') AND NOT starts_with(trim(lad_code), 'E07')",
            "lad_code is not a county district (E07) though la_code is a county (E10)",
        ),
        (
            "trim(exclusion_type) = 'suspension' AND nullif(trim(days_lost), '') IS NULL",
            "days_lost is required for a suspension",
        ),
        (
            "try_cast(trim(days_lost) AS DOUBLE) IS NOT NULL AND "
            "(try_cast(trim(days_lost) AS DOUBLE) <= 0 "
            "OR try_cast(trim(days_lost) AS DOUBLE) * 2 "
            "<> round(try_cast(trim(days_lost) AS DOUBLE) * 2))",
            "days_lost is not a positive number of half days",
        ),
        (
            "dayofweek(try_strptime(trim(exclusion_date), '%Y-%m-%d')) IN (0, 6)",
            "exclusion_date falls on a weekend",
        ),
    ),
    fields=(
        Field("pupil_id", "varchar", True,
              "The pupil's Unique Pupil Number (UPN); stored only as its keyed hash.",
              pattern=UPN_PATTERN, pseudonymise=True),
        Field("school_urn", "varchar", True,
              "Unique Reference Number of the school (6 digits, Get Information about Schools).",
              pattern=r"^[0-9]{6}$"),
        Field("la_code", "varchar", True,
              "The upper-tier local authority whose pupil system sent the record: a unitary "
              "(E06), metropolitan borough (E08) or London borough (E09), or a county (E10).",
              pattern=r"^E(06|08|09|10)[0-9]{6}$"),
        Field("lad_code", "varchar", True,
              "Local authority district where the school is (E06, E07, E08 or E09): the same "
              "as la_code for a single-tier authority, a county district (E07) within a county.",
              pattern=LAD_PATTERN),
        Field("exclusion_date", "date", True,
              "First day of the suspension, or the day of the permanent exclusion (YYYY-MM-DD).",
              not_future=True),
        Field("exclusion_type", "varchar", True, "Suspension or permanent exclusion.",
              codes=tuple(EXCLUSION_TYPES)),
        Field("reason", "varchar", True, "The main reason, in the DfE's categories.",
              codes=tuple(REASONS)),
        Field("days_lost", "decimal", False,
              "School days the suspension lasts, in half days (e.g. 0.5, 1, 2.5); blank for a "
              "permanent exclusion.", maximum=45),
        Field("pupil_age", "integer", True, "The pupil's age in years on the exclusion date.",
              minimum=4, maximum=19),
        Field("pupil_sex", "varchar", True, "The pupil's sex as recorded by the school: M or F.",
              codes=("M", "F")),
    ),
    notes=(
        "Placement: the school's district (lad_code) places a record in a partnership; la_code "
        "says which authority's system sent it (a county sends records for all its districts).",
    ),
)
