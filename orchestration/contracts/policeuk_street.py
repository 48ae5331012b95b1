"""``policeuk_street``: the public data.police.uk street-level crime CSV, exactly as published.

One file per force per month (``YYYY-MM-<force>-street.csv``), twelve columns. Anti-social
behaviour rows carry no Crime ID; some rows have no location (no coordinates and no LSOA);
some LSOAs lie outside the force's area (in another force, or in Wales). All of them are valid
published records: they are loaded, and those that cannot be placed in an English
partnership keep a NULL partnership.

Source: data.police.uk. Contains public sector information licensed under the Open
Government Licence v3.0.
"""

from __future__ import annotations

from orchestration.contracts.base import Contract, Field

CRIME_TYPES = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)

CONTRACT = POLICEUK_STREET = Contract(
    source="policeuk_street",
    agency="police",
    description=(
        "The public data.police.uk street-level crime file as published: one CSV per force per "
        "month, one row per crime or anti-social behaviour incident, locations anonymised to "
        "a nearby point."
    ),
    period_field="Month",
    key=("Crime ID",),
    fields=(
        Field("Crime ID", "varchar", False,
              "police.uk's identifier of the crime (64 hex characters); blank for anti-social "
              "behaviour.", pattern=r"^[0-9a-f]{64}$"),
        Field("Month", "month", True, "Month the crime was reported (YYYY-MM).",
              not_future=True),
        Field("Reported by", "varchar", True, "The force that provided the data."),
        Field("Falls within", "varchar", True, "The force whose area the crime falls within."),
        Field("Longitude", "decimal", False, "Anonymised longitude; blank when no location.",
              minimum=-9, maximum=2),
        Field("Latitude", "decimal", False, "Anonymised latitude; blank when no location.",
              minimum=49, maximum=61),
        Field("Location", "varchar", False,
              "Anonymised location description, e.g. 'On or near Bent Lane', or 'No Location'."),
        Field("LSOA code", "varchar", False,
              "LSOA (2011) of the anonymised point: England (E01…) or Wales (W01…); blank when "
              "no location.", pattern=r"^[EW]01[0-9]{6}$"),
        Field("LSOA name", "varchar", False, "LSOA name, e.g. 'Preston 014C'."),
        Field("Crime type", "varchar", True, "police.uk crime category.", codes=CRIME_TYPES),
        Field("Last outcome category", "varchar", False,
              "Latest outcome published; blank for anti-social behaviour."),
        Field("Context", "varchar", False, "Extra context published by the force (rare)."),
    ),
)
