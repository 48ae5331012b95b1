"""``ae_istv``: emergency department assault attendances, ISTV minimum data set.

Information Sharing to Tackle Violence (ISTV, NHS England information standard SCCI2110) asks
type 1 emergency departments to record, for every attendance for assault, where and when it
happened and with what weapon, and to share it (anonymised) with the Community Safety
Partnership: the data behind the Cardiff Model of violence prevention.

One CSV per department (site) per month (``<site_code>_<YYYY-MM>.csv``), one row per
attendance for assault that arrived in that month. An attendance id identifies an attendance
at its site, never a person; no NHS number is shared.
"""

from __future__ import annotations

from orchestration.contracts.base import Contract, Field

ASSAULT_METHODS: dict[str, str] = {
    "body_part": "Body part (hit, punched, kicked, head-butted)",
    "blunt_object": "Blunt object",
    "knife_sharp": "Knife or other sharp object",
    "glass_bottle": "Glass or bottle",
    "firearm": "Firearm",
    "other": "Other (described in assault_method_other)",
    "not_known": "Not known",
}
LOCATION_TYPES: dict[str, str] = {
    "street": "Street or other public place",
    "licensed_premises": "Licensed premises (pub, bar, club)",
    "home": "Home (own or another's)",
    "school": "School or college",
    "transport": "Public transport or station",
    "workplace": "Workplace",
    "other": "Other",
    "not_known": "Not known",
}
SEXES = ("M", "F", "U")
TIMESTAMP_FORMATS = "['%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S']"

CONTRACT = AE_ISTV = Contract(
    source="ae_istv",
    agency="health",
    description=(
        "Emergency department assault attendances in the ISTV minimum data set: one CSV per "
        "department per month (`<site_code>_<YYYY-MM>.csv`), one row per attendance for "
        "assault that arrived in that month."
    ),
    period_field="reporting_period",
    key=("site_code", "attendance_id"),
    row_checks=(
        (
            f"try_strptime(trim(assault_at), {TIMESTAMP_FORMATS}) "
            f"> try_strptime(trim(arrival_at), {TIMESTAMP_FORMATS})",
            "assault_at is after arrival_at",
        ),
        (
            "nullif(trim(reporting_period), '') IS NOT NULL "
            "AND nullif(trim(arrival_at), '') IS NOT NULL "
            f"AND strftime(try_strptime(trim(arrival_at), {TIMESTAMP_FORMATS}), '%Y-%m') "
            "> trim(reporting_period)",
            "arrival_at is after reporting_period",
        ),
    ),
    notes=(
        "A record re-sent in a later month's file (same site_code and attendance_id) is "
        "counted once: the version that arrived last wins.",
        "lsoa_code is blank when no usable location could be derived (in practice 30-60% "
        "of records): such attendances cannot be placed in a partnership.",
    ),
    fields=(
        Field("site_code", "varchar", True,
              "ODS site code of the emergency department (e.g. RXN01).",
              pattern=r"^[A-Z][A-Z0-9]{2}[A-Z0-9]{2}$"),
        Field("reporting_period", "month", True,
              "Month the extract reports (YYYY-MM): the month of arrival, or a later month "
              "when a record is re-sent.", not_future=True),
        Field("attendance_id", "varchar", True,
              "The department's identifier of the attendance, unique at its site; not a "
              "person identifier.", pattern=r"^[A-Za-z0-9][A-Za-z0-9/-]{3,30}$"),
        Field("arrival_at", "timestamp", True,
              "Date and time the patient arrived at the department (YYYY-MM-DD HH:MM).",
              not_future=True),
        Field("assault_at", "timestamp", False,
              "Date and time of the assault as the patient gave it; blank when not known.",
              not_future=True),
        Field("assault_method", "varchar", True, "Primary means of assault.",
              codes=tuple(ASSAULT_METHODS)),
        Field("assault_method_other", "varchar", False,
              "Free-text means of assault, used when assault_method is other."),
        Field("location_type", "varchar", True, "Type of place where the assault happened.",
              codes=tuple(LOCATION_TYPES)),
        Field("location_description", "varchar", False,
              "Free-text place of the assault as recorded at triage "
              "(e.g. 'outside Yates bar, Fishergate')."),
        Field("patient_age", "integer", False, "Patient's age in years at arrival.",
              minimum=0, maximum=120),
        Field("patient_sex", "varchar", False, "Patient's sex: M, F, or U (unknown).",
              codes=SEXES),
        Field("lsoa_code", "varchar", False,
              "LSOA (2011) of the assault location where one could be derived; blank "
              "otherwise.", pattern=r"^E01[0-9]{6}$", reference="lsoa_2011"),
    ),
)
