"""A corpus of bad extracts: for each kind, the exact message a user sees, the rows
quarantined, and that rows read = rows loaded + rows quarantined."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.contracts import POLICE_CRIMES
from orchestration.ingest import ingest_source
from tests.unit.test_loader import HEADER, NOW, _workbook, _xlsx_row, row

NAME = "E23000003_2024-04.csv"


@dataclass(frozen=True)
class Case:
    kind: str
    write: Callable[[Path], None]  # writes the landing file(s) into the source folder
    status: str  # loaded | rejected
    message: str  # exact, or a prefix when ending with "…"
    quarantined: dict[int, str] = field(default_factory=dict)  # line -> reason


def text(body: str, name: str = NAME, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(body.encode(encoding))


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


MISSING_ALL = ", ".join(POLICE_CRIMES.column_names)
CASES = [
    Case("empty file", text(""), "rejected", "the file is empty (no header line)"),
    Case("header only", text(lines(HEADER)), "loaded", "0 rows loaded, 0 quarantined"),
    Case("missing required column", text(lines(HEADER.replace(",outcome", ""), row()[:-11])),
         "rejected",
         "line 1: the header does not match the police_crimes contract: missing column(s) outcome"),
    Case("extra column", text(lines(HEADER + ",officer", row() + ",PC 123")), "rejected",
         "line 1: the header does not match the police_crimes contract: "
         "unexpected column(s) officer"),
    Case("renamed header", text(lines(HEADER.replace("lsoa_code", "LSOA"), row())), "rejected",
         "line 1: the header does not match the police_crimes contract: missing column(s) "
         "lsoa_code; unexpected column(s) LSOA"),
    Case("wrong delimiter", text(lines(HEADER.replace(",", ";"), row().replace(",", ";"))),
         "rejected",
         f"line 1: the header does not match the police_crimes contract: missing column(s) "
         f"{MISSING_ALL}; unexpected column(s) {HEADER.replace(',', ';')}"),
    Case("repeated column", text(lines(HEADER + ",outcome", row() + ",other")), "rejected",
         "line 1: the header repeats a column name"),
    Case("file of another source", text(lines(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context",
        ",2024-04,Lancashire Constabulary,Lancashire Constabulary,,,No Location,,,"
        "Anti-social behaviour,,")), "rejected",
         "line 1: the header does not match the police_crimes contract: missing column(s) "
         f"{MISSING_ALL}; unexpected column(s) Crime ID, Month, Reported by, Falls within, "
         "Longitude, Latitude, Location, LSOA code, LSOA name, Crime type, "
         "Last outcome category, Context"),
    Case("byte-order mark", lambda f: (f / NAME).write_bytes(
        b"\xef\xbb\xbf" + lines(HEADER, row("BOM/0001")).encode()), "loaded",
         "1 rows loaded, 0 quarantined"),
    Case("Windows-1252 text", text(lines(HEADER, row("W1/0001"),
                                         row("W1/0002", outcome="résolu")), encoding="cp1252"),
         "loaded", "1 rows loaded, 1 quarantined (read as Windows-1252 (not UTF-8 from line 3))",
         {3: "outcome 'résolu' is not a known code"}),
    Case("neither UTF-8 nor Windows-1252", lambda f: (f / NAME).write_bytes(
        lines(HEADER, row()).encode() + b"\x81\x9d\n"), "rejected",
         "line 3: the text is neither UTF-8 nor Windows-1252…"),
    Case("truncated last line", text(lines(HEADER, row("T1/0001"))
                                     + row("T1/0002")[:40]), "loaded",
         "1 rows loaded, 1 quarantined",
         {3: "line cannot be read as CSV: Expected Number of Columns: 15 Found: 4"}),
    Case("dates in three formats", text(lines(
        HEADER, row("D3/0001"), row("D3/0002", recorded_date="02/04/2024"),
        row("D3/0003", recorded_date="2024/04/02"))), "loaded", "1 rows loaded, 2 quarantined",
         {3: "recorded_date '02/04/2024' is not a date (YYYY-MM-DD)",
          4: "recorded_date '2024/04/02' is not a date (YYYY-MM-DD)"}),
    Case("dates in the future", text(lines(
        HEADER, row("FU/0001", recorded_date="2031-01-01", occurred_at="2031-01-01 10:00"))),
         "loaded", "0 rows loaded, 1 quarantined",
         {2: "recorded_date '2031-01-01' is in the future; "
             "occurred_at '2031-01-01 10:00' is in the future"}),
    Case("dates after the extract's period", text(lines(
        HEADER, row("AP/0001"), row("AP/0002", recorded_date="2024-05-03"))),
         "loaded", "1 rows loaded, 1 quarantined",
         {3: "recorded_date '2024-05-03' is after the extract's period (2024-04)"}),
    Case("unknown codes", text(lines(HEADER, row("UC/0001", location_type="car park"))),
         "loaded", "0 rows loaded, 1 quarantined",
         {2: "location_type 'car park' is not a known code"}),
    Case("LSOA from Wales", text(lines(HEADER, row("WL/0001", lsoa_code="W01000001"))),
         "loaded", "0 rows loaded, 1 quarantined",
         {2: "lsoa_code 'W01000001' is not in the expected format"}),
    Case("LSOA from the 2021 set", text(lines(HEADER, row("L21/0001", lsoa_code="E01035637"))),
         "loaded", "0 rows loaded, 1 quarantined",
         {2: "lsoa_code 'E01035637' is not an English LSOA of the 2011 set"}),
    Case("duplicate records within a file", text(lines(HEADER, row("DU/0001"), row("DU/0001"))),
         "loaded", "1 rows loaded, 1 quarantined", {3: "duplicate of the record on line 2"}),
    Case("huge field", text(lines(HEADER, row("HF/0001", ho_offence_code="9" * 500_000))),
         "loaded", "0 rows loaded, 1 quarantined",
         {2: "ho_offence_code '" + "9" * 60 + "' is not in the expected format"}),
    Case("XLSX with several sheets", lambda f: _workbook(f / "E23000003_2024-04.xlsx", {
        "Cover": [["Recorded crime extract"]],
        "Data": [list(POLICE_CRIMES.column_names), _xlsx_row("XL/0001")],
        "Lookups": [["code", "meaning"], ["VAP", "Violence against the person"]]}),
         "loaded", "1 rows loaded, 0 quarantined (read from sheet 'Data' of 3)"),
    Case("XLSX with two data sheets", lambda f: _workbook(f / "E23000003_2024-04.xlsx", {
        "April": [list(POLICE_CRIMES.column_names)], "May": [list(POLICE_CRIMES.column_names)]}),
         "rejected",
         "several sheets have the police_crimes header (April, May): send one sheet per file"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_bad_file(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "police_crimes"
    folder.mkdir()
    case.write(folder)
    con = duckdb.connect()
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert result.status == case.status
    if case.message.endswith("…"):
        assert result.message.startswith(case.message[:-1]), result.message
    else:
        assert result.message == case.message
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    got = dict(con.execute("SELECT line_number, reason FROM ops.quarantine").fetchall())
    assert set(got) == set(case.quarantined)
    for line, reason in case.quarantined.items():
        if reason.endswith("…"):
            assert got[line].startswith(reason[:-1]), got[line]
        else:
            assert got[line] == reason
    logged = con.execute("SELECT status, message FROM ops.load_log").fetchall()
    assert logged == [(result.status, result.message)]


def test_the_corpus_covers_at_least_fifteen_kinds() -> None:
    assert len({c.kind for c in CASES}) >= 15


def test_duplicates_across_files_are_loaded_and_counted_once_downstream(tmp_path: Path) -> None:
    """Both files load (each is valid on its own); the record is counted once by
    fct_police_crimes (dbt unit test resent_record_counted_once_…)."""
    folder = tmp_path / "police_crimes"
    folder.mkdir()
    (folder / "E23000003_2024-04.csv").write_text(lines(HEADER, row("XF/0001")))
    (folder / "E23000003_2024-05.csv").write_text(lines(HEADER, row("XF/0001", outcome="charged")))
    con = duckdb.connect()
    results = ingest_source(con, POLICE_CRIMES, tmp_path, now=datetime(2024, 6, 1))
    assert [r.rows_loaded for r in results] == [1, 1]
