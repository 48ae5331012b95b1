"""``ambulance``: ambulance service incidents coded as assault.

One CSV per ambulance service area per month (``<service_area_code>_<YYYY-MM>.csv``), one row
per incident whose call was triaged or coded as an assault. English ambulance services cover
several police force areas each; the synthetic extracts use the police force area code (E23…)
as a stand-in for the service area, so ``service_area_code`` accepts either an ambulance trust's
ODS code (e.g. RX7) or a force area code.
"""

from __future__ import annotations

from orchestration.contracts.base import Contract, Field

INCIDENT_CATEGORIES: dict[str, str] = {
    "stabbing": "Stab or other penetrating wound",
    "shooting": "Gunshot wound",
    "sexual_assault": "Sexual assault",
    "other_assault": "Other assault",
}
FLAG = ("Y", "N")

CONTRACT = AMBULANCE = Contract(
    source="ambulance",
    agency="ambulance service",
    description=(
        "Ambulance incidents coded as assault: one CSV per ambulance service area per month "
        "(`<service_area_code>_<YYYY-MM>.csv`), one row per incident called in that month."
    ),
    period_field="call_at",
    key=("service_area_code", "incident_id"),
    notes=(
        "Synthetic extracts use the police force area code (E23…) as the service area code.",
        "lsoa_code is blank when the incident location could not be geocoded.",
    ),
    fields=(
        Field("service_area_code", "varchar", True,
              "Ambulance service area: the trust's ODS code (R…), or a police force area code "
              "(E23…) standing in for it.", pattern=r"^(R[A-Z0-9]{2}|E23[0-9]{6})$"),
        Field("incident_id", "varchar", True,
              "The service's incident number, unique within the service area.",
              pattern=r"^[A-Za-z0-9][A-Za-z0-9/-]{3,30}$"),
        Field("call_at", "timestamp", True,
              "Date and time the call was received (YYYY-MM-DD HH:MM).", not_future=True),
        Field("incident_category", "varchar", True, "Assault category of the incident.",
              codes=tuple(INCIDENT_CATEGORIES)),
        Field("lsoa_code", "varchar", False,
              "LSOA (2011) of the incident location; blank when it could not be geocoded.",
              pattern=r"^E01[0-9]{6}$", reference="lsoa_2011"),
        Field("conveyed_flag", "boolean", True,
              "The patient was conveyed to hospital (Y/N).", codes=FLAG),
    ),
)
