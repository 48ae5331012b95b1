"""``marac_cases``: cases heard at a partnership's Multi Agency Risk Assessment Conference.

A MARAC hears the highest-risk domestic-abuse cases. One CSV per partnership per month
(``<partnership_code>_<YYYY-MM>.csv``), one row per case heard. A repeat case (the same victim
heard again within 12 months) is not flagged by the sender: the models derive it from the
pseudonymised victim id.
"""

from __future__ import annotations

from orchestration.contracts.base import Contract, Field

REFERRING_AGENCIES: dict[str, str] = {
    "police": "Police",
    "idva": "Independent domestic violence adviser (IDVA) service",
    "health": "Health (GP, hospital, mental health, midwifery)",
    "children_social_care": "Children's social care",
    "housing": "Housing",
    "probation": "Probation",
    "other": "Any other agency (including voluntary sector and education)",
}
AGE_BANDS = ("16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")

CONTRACT = MARAC_CASES = Contract(
    source="marac_cases",
    agency="marac",
    description=(
        "Cases heard at the partnership's Multi Agency Risk Assessment Conference: one CSV "
        "per partnership per month (`<partnership_code>_<YYYY-MM>.csv`), one row per case."
    ),
    period_field="conference_date",
    key=("case_id",),
    fields=(
        Field("case_id", "varchar", True, "The MARAC's reference for the case heard.",
              pattern=r"^[A-Z0-9][A-Z0-9/-]{3,30}$"),
        Field("conference_date", "date", True, "Date of the conference that heard the case.",
              not_future=True),
        Field("partnership_code", "varchar", True,
              "ONS code of the Community Safety Partnership whose MARAC heard the case (E22…).",
              pattern=r"^E22[0-9]{6}$"),
        Field("victim_id", "varchar", True,
              "The MARAC's identifier for the victim (the same for every case of the same "
              "victim); stored only as its keyed hash.", pattern=r"^[A-Z0-9]{4,20}$",
              pseudonymise=True),
        Field("referring_agency", "varchar", True, "The agency that referred the case.",
              codes=tuple(REFERRING_AGENCIES)),
        Field("victim_age_band", "varchar", True, "The victim's age band at the conference.",
              codes=AGE_BANDS),
        Field("victim_sex", "varchar", True, "The victim's sex: F, M, or U (unknown).",
              codes=("F", "M", "U")),
        Field("children_in_household", "integer", True,
              "Number of children living in the victim's household.", minimum=0, maximum=20),
    ),
    notes=(
        "Repeat cases are derived, not supplied: a case is a repeat when the same victim was "
        "heard at an earlier conference within the previous 12 months.",
    ),
)
