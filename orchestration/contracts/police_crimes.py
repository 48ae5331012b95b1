"""``police_crimes``: a force crime-system export of recorded crimes.

One CSV per force per month (``<force_code>_<YYYY-MM>.csv``), one row per recorded crime,
classified by the Home Office counting rules (offence group → subgroup → offence).
"""

from __future__ import annotations

import csv

from orchestration.contracts.base import Contract, Field
from orchestration.settings import REPO_ROOT

# Home Office offence groups and subgroups: the seed is the one list (seeds/README.md).
with (REPO_ROOT / "seeds" / "reference" / "offence_classification.csv").open(newline="") as fh:
    _CLASSIFICATION = list(csv.DictReader(fh))
OFFENCE_GROUPS: dict[str, str] = {
    r["offence_group"]: r["offence_group_name"] for r in _CLASSIFICATION
}
OFFENCE_SUBGROUPS: dict[str, dict[str, str]] = {
    group: {r["offence_subgroup"]: r["offence_subgroup_name"]
            for r in _CLASSIFICATION if r["offence_group"] == group}
    for group in OFFENCE_GROUPS
}
LOCATION_TYPES: dict[str, str] = {
    "street": "Street or other public place",
    "licensed_premises": "Licensed premises (pub, bar, club)",
    "dwelling": "Dwelling",
    "school": "School or college",
    "transport": "Public transport or station",
    "other": "Other",
}
OUTCOMES: dict[str, str] = {
    "charged": "Charged or summonsed",
    "cautioned": "Caution",
    "community_resolution": "Community resolution",
    "evidential_difficulties": "Evidential difficulties (victim does not support action)",
    "no_suspect": "Investigation complete, no suspect identified",
    "under_investigation": "Under investigation",
    "other": "Other outcome",
}
FLAG = ("Y", "N")

CONTRACT = POLICE_CRIMES = Contract(
    source="police_crimes",
    agency="police",
    description=(
        "A force crime-system export of recorded crimes: one CSV per force per month "
        "(`<force_code>_<YYYY-MM>.csv`), one row per crime recorded in that month."
    ),
    period_field="recorded_date",
    key=("crime_reference",),
    row_checks=(
        (
            "offence_subgroup IS NOT NULL AND offence_group IS NOT NULL "
            "AND NOT starts_with(trim(offence_subgroup), trim(offence_group) || '_')",
            "offence_subgroup does not belong to offence_group",
        ),
        (
            "try_strptime(trim(occurred_at), ['%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S', "
            "'%Y-%m-%dT%H:%M:%S']) > try_strptime(trim(recorded_date), '%Y-%m-%d') "
            "+ INTERVAL 1 DAY",
            "occurred_at is after recorded_date",
        ),
    ),
    fields=(
        Field("crime_reference", "varchar", True, "The force's unique crime reference.",
              pattern=r"^[A-Z0-9][A-Z0-9/-]{3,30}$"),
        Field("force_code", "varchar", True, "ONS code of the police force area (E23…).",
              pattern=r"^E23[0-9]{6}$"),
        Field("recorded_date", "date", True, "Date the crime was recorded (YYYY-MM-DD).",
              not_future=True),
        Field("occurred_at", "timestamp", True,
              "Date and time the offence occurred, or began (YYYY-MM-DD HH:MM).",
              not_future=True),
        Field("offence_group", "varchar", True, "Home Office offence group.",
              codes=tuple(OFFENCE_GROUPS)),
        Field("offence_subgroup", "varchar", True,
              "Home Office offence subgroup; its prefix is the offence group.",
              codes=tuple(s for g in OFFENCE_SUBGROUPS.values() for s in g)),
        Field("ho_offence_code", "varchar", False, "Home Office offence code (e.g. 8N, 105A).",
              pattern=r"^[0-9]{1,3}[A-Z]{0,2}$"),
        Field("lsoa_code", "varchar", False,
              "LSOA (2011) where the offence occurred; blank when it could not be geocoded.",
              pattern=r"^E01[0-9]{6}$", reference="lsoa_2011"),
        Field("location_type", "varchar", True, "Type of place.", codes=tuple(LOCATION_TYPES)),
        Field("domestic_abuse_flag", "boolean", True, "Flagged domestic-abuse related (Y/N).",
              codes=FLAG),
        Field("alcohol_flag", "boolean", True, "Flagged alcohol related (Y/N).", codes=FLAG),
        Field("knife_flag", "boolean", True,
              "Knife or sharp instrument used or threatened (Y/N).", codes=FLAG),
        Field("victim_age", "integer", False, "Victim's age in years at the offence.",
              minimum=0, maximum=120),
        Field("victim_sex", "varchar", False, "Victim's sex: M, F, or U (unknown).",
              codes=("M", "F", "U")),
        Field("outcome", "varchar", True, "Latest outcome.", codes=tuple(OUTCOMES)),
    ),
)
