"""The shape of an extract contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FieldType = Literal["varchar", "integer", "decimal", "date", "month", "timestamp", "boolean"]


@dataclass(frozen=True)
class Field:
    """One column of an extract as the agency sends it."""

    name: str
    type: FieldType
    required: bool
    description: str
    codes: tuple[str, ...] | None = None  # allowed values, when the field is coded
    pattern: str | None = None  # a regular expression the text must match
    minimum: int | None = None
    maximum: int | None = None
    not_future: bool = False  # dates and times must not lie after the file arrived
    # a person identifier: replaced by its keyed hash before it is stored (pseudonymise.py)
    pseudonymise: bool = False
    # the value must belong to a reference set of the project (ingest/validate.py REFERENCES),
    # e.g. "lsoa_2011": an LSOA of the 2011 set, as the partnership lookups use
    reference: str | None = None


@dataclass(frozen=True)
class Contract:
    """An extract: its landing folder, raw table, file naming and fields."""

    source: str  # one name everywhere: landing/<source>/, raw.<source>, the Dagster asset
    agency: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # identifies a record: a re-sent record is counted once
    file_globs: tuple[str, ...] = ("*.csv", "*.xlsx")  # what the landing folder may hold
    file_glob: str | None = None  # a narrower single pattern, when given
    delimiter: str = ","
    # the date that places a record in time: it must not fall after the month the file's
    # name ends with (``…_2024-04.csv``); earlier dates are re-sent or late-recorded records
    period_field: str | None = None
    # (SQL condition over the raw text columns that marks a bad row, the reason in words)
    row_checks: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def landing_patterns(self) -> tuple[str, ...]:
        return (self.file_glob,) if self.file_glob else self.file_globs

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.source} has no field {name!r}")
