"""``probation_caseload``: a monthly snapshot of the people the Probation Service supervises.

One CSV per month (``caseload_<YYYY-MM>.csv``), one row per person under supervision at the
end of that month. A person appears in every monthly snapshot from the start of their order
until it ends. The case reference number (CRN) identifies a person across probation extracts
and is stored only as its keyed hash.
"""

from __future__ import annotations

from orchestration.contracts.base import Contract, Field

# Index offence groups shared by the probation extracts (probation_reoffending uses them too).
OFFENCE_GROUPS: dict[str, str] = {
    "violence": "Violence against the person",
    "sexual": "Sexual offences",
    "robbery": "Robbery",
    "weapons": "Possession of weapons",
    "drugs": "Drug offences",
    "theft": "Theft offences (including burglary and shoplifting)",
    "other": "Any other offence",
}
ROSH_LEVELS: dict[str, str] = {
    "low": "Low risk of serious harm",
    "medium": "Medium risk of serious harm",
    "high": "High risk of serious harm",
    "very_high": "Very high risk of serious harm",
}
ORDER_TYPES: dict[str, str] = {
    "community_order": "Community order",
    "suspended_sentence": "Suspended sentence order with requirements",
    "licence": "Licence after release from custody",
    "post_sentence_supervision": "Post-sentence supervision (after a licence of under 12 months)",
}
MAPPA_CATEGORIES = ("1", "2", "3")
MAPPA_LEVELS = ("1", "2", "3")
# The probation case reference number: one letter and six digits.
CRN_PATTERN = r"^[A-Z][0-9]{6}$"
LAD_PATTERN = r"^E0[6-9][0-9]{6}$"
LSOA_PATTERN = r"^E01[0-9]{6}$"

CONTRACT = PROBATION_CASELOAD = Contract(
    source="probation_caseload",
    agency="probation",
    description=(
        "A monthly snapshot of the Probation Service caseload: one CSV per month "
        "(`caseload_<YYYY-MM>.csv`), one row per person under supervision at the month's end."
    ),
    period_field="snapshot_month",
    key=("person_id", "snapshot_month"),
    row_checks=(
        (
            "(nullif(trim(mappa_category), '') IS NULL) <> (nullif(trim(mappa_level), '') IS NULL)",
            "mappa_category and mappa_level must both be given or both be blank",
        ),
        (
            "try_strptime(trim(order_start_date), '%Y-%m-%d') "
            ">= try_strptime(trim(snapshot_month) || '-01', '%Y-%m-%d') + INTERVAL 1 MONTH",
            "order_start_date is after the snapshot month",
        ),
    ),
    fields=(
        Field("snapshot_month", "month", True, "The month whose end the snapshot shows (YYYY-MM).",
              not_future=True),
        Field("person_id", "varchar", True,
              "The person's probation case reference number (CRN), one letter and six digits; "
              "stored only as its keyed hash.", pattern=CRN_PATTERN, pseudonymise=True),
        Field("lsoa_code", "varchar", False,
              "LSOA (2011) of the person's home address; blank when unknown or of no fixed "
              "abode.", pattern=LSOA_PATTERN, reference="lsoa_2011"),
        Field("lad_code", "varchar", True,
              "Local authority district of residence (E06 unitary, E07 non-metropolitan "
              "district, E08 metropolitan district, E09 London borough).", pattern=LAD_PATTERN),
        Field("offence_group", "varchar", True, "Group of the index offence of the order.",
              codes=tuple(OFFENCE_GROUPS)),
        Field("rosh_level", "varchar", True,
              "Risk of serious harm at the latest assessment (OASys).", codes=tuple(ROSH_LEVELS)),
        Field("mappa_category", "varchar", False,
              "MAPPA category: 1 registered sexual offender, 2 violent or other sexual "
              "offender, 3 other dangerous offender; blank when not managed under MAPPA.",
              codes=MAPPA_CATEGORIES),
        Field("mappa_level", "varchar", False,
              "MAPPA management level: 1 ordinary agency management, 2 multi-agency, "
              "3 senior multi-agency; blank when not managed under MAPPA.", codes=MAPPA_LEVELS),
        Field("order_type", "varchar", True, "The order or licence supervised.",
              codes=tuple(ORDER_TYPES)),
        Field("order_start_date", "date", True, "Date the order or licence began (YYYY-MM-DD).",
              not_future=True),
    ),
    notes=(
        "A person is in every monthly snapshot from the start of the order until it ends; the "
        "key is (person_id, snapshot_month).",
        "person_id is the same CRN in probation_reoffending: after hashing the same person "
        "still links across the two extracts.",
    ),
)
