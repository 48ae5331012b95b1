"""``probation_reoffending``: a proven-reoffending cohort, one file per cohort quarter.

The cohort of a quarter is everyone released from custody, starting a court order, or
receiving a caution or other out-of-court or non-custodial disposal in that quarter (the
Ministry of Justice proven-reoffending measure). Each is followed for 12 months (plus six
months for the offences to be proven): did they commit an offence that was proven, and how
many. The file for a quarter is sent once that follow-up has ended.
"""

from __future__ import annotations

from orchestration.contracts.base import Contract, Field
from orchestration.contracts.probation_caseload import CRN_PATTERN, LAD_PATTERN, OFFENCE_GROUPS

FLAG = ("Y", "N")

CONTRACT = PROBATION_REOFFENDING = Contract(
    source="probation_reoffending",
    agency="probation",
    description=(
        "A proven-reoffending cohort: one CSV per cohort quarter "
        "(`reoffending_<YYYY-MM>.csv`, the quarter's first month), one row per person in "
        "the cohort with whether they reoffended within 12 months and how often."
    ),
    key=("person_id", "cohort_quarter"),
    row_checks=(
        (
            "upper(trim(reoffended)) = 'N' AND try_cast(trim(reoffences) AS INTEGER) > 0",
            "reoffences is above 0 but reoffended is N",
        ),
        (
            "upper(trim(reoffended)) = 'Y' AND try_cast(trim(reoffences) AS INTEGER) = 0",
            "reoffended is Y but reoffences is 0",
        ),
    ),
    fields=(
        Field("person_id", "varchar", True,
              "The person's probation case reference number (CRN), as in probation_caseload; "
              "stored only as its keyed hash.", pattern=CRN_PATTERN, pseudonymise=True),
        Field("cohort_quarter", "varchar", True,
              "The calendar quarter the person entered the cohort, as YYYY-Qn "
              "(2023-Q1 is January to March 2023).", pattern=r"^(19|20)[0-9]{2}-Q[1-4]$"),
        Field("lad_code", "varchar", True,
              "Local authority district of residence when the person entered the cohort.",
              pattern=LAD_PATTERN),
        Field("offence_group", "varchar", True, "Group of the index offence.",
              codes=tuple(OFFENCE_GROUPS)),
        Field("reoffended", "boolean", True,
              "Committed an offence within 12 months that was proven by court conviction or "
              "caution (Y/N).", codes=FLAG),
        Field("reoffences", "integer", True,
              "Number of proven reoffences in the 12 months (0 when reoffended is N).",
              minimum=0, maximum=200),
    ),
    notes=(
        "cohort_quarter is text 'YYYY-Qn' (calendar quarters); the models add its first day "
        "as cohort_quarter_start.",
    ),
)
