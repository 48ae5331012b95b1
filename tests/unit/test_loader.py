"""The contract loader: every row read is loaded or quarantined with its reason."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.contracts import POLICE_CRIMES
from orchestration.ingest import ingest_source

HEADER = ",".join(POLICE_CRIMES.column_names)
NOW = datetime(2024, 6, 1, 12, 0)


def row(ref: str = "E23000003/202404/000001", **over: str) -> str:
    values = {
        "crime_reference": ref, "force_code": "E23000003", "recorded_date": "2024-04-02",
        "occurred_at": "2024-04-01 23:30", "offence_group": "VAP", "offence_subgroup": "VAP_VWI",
        "ho_offence_code": "8N", "lsoa_code": "E01025308", "location_type": "street",
        "domestic_abuse_flag": "N", "alcohol_flag": "Y", "knife_flag": "N", "victim_age": "24",
        "victim_sex": "M", "outcome": "no_suspect",
    }
    values.update(over)
    return ",".join(values[c] for c in POLICE_CRIMES.column_names)


def write(landing: Path, name: str, text: str) -> Path:
    folder = landing / "police_crimes"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def quarantine(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    return con.execute("SELECT line_number, reason FROM ops.quarantine ORDER BY 1").fetchall()


def test_good_and_bad_rows_are_all_accounted_for(con, tmp_path: Path) -> None:
    lines = [
        HEADER,
        row("A1/1"),                                        # line 2 good
        row("A1/2", recorded_date="02/04/2024"),            # 3 bad date format
        row("A1/3", offence_group="XXX"),                   # 4 unknown code (and subgroup mismatch)
        row("A1/4", lsoa_code="W01000001"),                 # 5 Welsh LSOA
        row("A1/5", occurred_at="2030-01-01 10:00", recorded_date="2030-01-02"),  # 6 future
        row("A1/1"),                                        # 7 duplicate of line 2
        row("A1/6", lsoa_code=""),                          # 8 good: location unknown
        row("A1/7") + ",extra",                             # 9 too many columns
        row("A1/8", victim_age="131"),                      # 10 out of range
        row("", offence_subgroup="SEX_RAPE"),               # 11 blank key, subgroup mismatch
    ]
    write(tmp_path, "E23000003_2024-04.csv", "\n".join(lines) + "\n")
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded", 10, 2, 8)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    reasons = dict(quarantine(con))
    assert reasons[3] == "recorded_date '02/04/2024' is not a date (YYYY-MM-DD)"
    assert "offence_group 'XXX' is not a known code" in reasons[4]
    assert "offence_subgroup does not belong to offence_group" in reasons[4]
    assert reasons[5] == "lsoa_code 'W01000001' is not in the expected format"
    assert "recorded_date '2030-01-02' is in the future" in reasons[6]
    assert reasons[7] == "duplicate of the record on line 2"
    assert reasons[9].startswith("line cannot be read as CSV: Expected Number of Columns: 15")
    assert reasons[10] == "victim_age '131' is above 120"
    assert "crime_reference is required but blank" in reasons[11]
    loaded = con.execute(
        "SELECT crime_reference, _line_number, lsoa_code FROM raw.police_crimes ORDER BY 2"
    ).fetchall()
    assert loaded == [("A1/1", 2, "E01025308"), ("A1/6", 8, None)]
    # the raw record is kept with its reason
    record = con.execute("SELECT record FROM ops.quarantine WHERE line_number = 3").fetchone()[0]
    assert '"recorded_date":"02/04/2024"' in record


def test_typed_values_land_in_raw(con, tmp_path: Path) -> None:
    write(tmp_path, "E23000003_2024-04.csv", HEADER + "\n" + row("B1/0001") + "\n")
    ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    got = con.execute(
        "SELECT recorded_date, occurred_at, alcohol_flag, knife_flag, victim_age "
        "FROM raw.police_crimes"
    ).fetchall()
    assert got == [(datetime(2024, 4, 2).date(), datetime(2024, 4, 1, 23, 30), True, False, 24)]


def test_same_file_twice_changes_nothing(con, tmp_path: Path) -> None:
    write(tmp_path, "E23000003_2024-04.csv", HEADER + "\n" + row("C1/0001") + "\n")
    first = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    second = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert [r.status for r in first] == ["loaded"]
    assert [r.status for r in second] == ["unchanged"]
    assert con.execute("SELECT count(*) FROM raw.police_crimes").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM ops.load_log").fetchone()[0] == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty (no header line)"),
        (HEADER.replace("lsoa_code,", "") + "\n",
         "line 1: the header does not match the police_crimes contract: "
         "missing column(s) lsoa_code"),
        (HEADER + ",notes\n",
         "line 1: the header does not match the police_crimes contract: "
         "unexpected column(s) notes"),
        ("Crime ID,Month,Reported by\nabc,2021-04,Lancashire\n",
         "line 1: the header does not match the police_crimes contract: missing column(s) "
         + ", ".join(POLICE_CRIMES.column_names) + "; unexpected column(s) Crime ID, Month, "
         "Reported by"),
    ],
    ids=["empty", "missing-column", "extra-column", "wrong-source"],
)
def test_unreadable_files_are_rejected_whole_with_a_message(con, tmp_path, text, message) -> None:
    write(tmp_path, "E23000003_2024-04.csv", text)
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert result.status == "rejected"
    assert result.message == message
    logged = con.execute("SELECT status, message FROM ops.load_log").fetchall()
    assert logged == [("rejected", message)]
    assert con.execute("SELECT count(*) FROM raw.police_crimes").fetchone()[0] == 0


def test_header_only_file_loads_no_rows(con, tmp_path: Path) -> None:
    write(tmp_path, "E23000003_2024-04.csv", HEADER + "\n")
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 0, 0)


def test_bom_and_crlf_are_read(con, tmp_path: Path) -> None:
    path = tmp_path / "police_crimes"
    path.mkdir()
    (path / "E23000003_2024-04.csv").write_bytes(
        ("\ufeff" + HEADER + "\r\n" + row("D1/0001") + "\r\n").encode("utf-8"))
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 0)


def test_windows_1252_text_is_read_and_said(con, tmp_path: Path) -> None:
    text = HEADER + "\n" + row("E1/0001") + "\n" + row("E1/0002", location_type="pub’s") + "\n"
    folder = tmp_path / "police_crimes"
    folder.mkdir()
    (folder / "E23000003_2024-04.csv").write_bytes(text.encode("cp1252"))
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 1)
    assert result.message == (
        "1 rows loaded, 1 quarantined (read as Windows-1252 (not UTF-8 from line 3))")
    assert quarantine(con) == [(3, "location_type 'pub’s' is not a known code")]


def test_text_in_no_known_encoding_is_rejected(con, tmp_path: Path) -> None:
    folder = tmp_path / "police_crimes"
    folder.mkdir()
    body = (HEADER + "\n" + row("F1/0001") + "\n").encode() + b"\x81\x8d broken\n"
    (folder / "E23000003_2024-04.csv").write_bytes(body)
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert result.status == "rejected"
    assert result.message.startswith("line 3: the text is neither UTF-8 nor Windows-1252")


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r in rows:
            sheet.append(r)
    book.save(path)


def _xlsx_row(ref: str) -> list[object]:
    values = dict(zip(POLICE_CRIMES.column_names, row(ref).split(","), strict=True))
    values["recorded_date"] = datetime(2024, 4, 2)  # real Excel dates and numbers
    values["occurred_at"] = datetime(2024, 4, 1, 23, 30)
    values["victim_age"] = 24
    return [values[c] for c in POLICE_CRIMES.column_names]


def test_xlsx_sheet_with_the_contract_header_is_loaded(con, tmp_path: Path) -> None:
    folder = tmp_path / "police_crimes"
    folder.mkdir()
    _workbook(folder / "E23000003_2024-04.xlsx", {
        "Notes": [["Extract of recorded crime, April 2024"]],
        "Crimes": [list(POLICE_CRIMES.column_names), _xlsx_row("G1/0001"), _xlsx_row("G1/0002")],
    })
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 2, 2)
    assert result.message == "2 rows loaded, 0 quarantined (read from sheet 'Crimes' of 2)"
    got = con.execute("SELECT recorded_date, occurred_at, victim_age, _line_number "
                      "FROM raw.police_crimes ORDER BY 4").fetchall()
    assert got[0] == (datetime(2024, 4, 2).date(), datetime(2024, 4, 1, 23, 30), 24, 2)


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        ({"A": [["x"]], "B": [["y"]]}, "no sheet has the police_crimes header (sheets: A, B)"),
        ({"A": [list(POLICE_CRIMES.column_names)], "B": [list(POLICE_CRIMES.column_names)]},
         "several sheets have the police_crimes header (A, B): send one sheet per file"),
    ],
    ids=["no-matching-sheet", "two-matching-sheets"],
)
def test_xlsx_without_one_contract_sheet_is_rejected(con, tmp_path, sheets, message) -> None:
    folder = tmp_path / "police_crimes"
    folder.mkdir()
    _workbook(folder / "E23000003_2024-04.xlsx", sheets)
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert (result.status, result.message) == ("rejected", message)


@pytest.mark.parametrize("resent_name", ["E23000003_2024-04.csv", "E23000003_2024-04_v2.csv",
                                         "E23000003_2024-04 (1).csv"])
def test_a_corrected_extract_supersedes_the_earlier_one(con, tmp_path, resent_name) -> None:
    first = write(tmp_path, "E23000003_2024-04.csv", "\n".join(
        [HEADER, row("H1/0001"), row("H1/0002"), row("H1/0003", offence_group="XXX")]) + "\n")
    ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    if resent_name == first.name:
        first.unlink()  # the agency's transfer replaced the file
    else:
        os.utime(first, (1_700_000_000, 1_700_000_000))  # the earlier file is older
    # the corrected extract drops H1/0002, fixes H1/0003 and adds H1/0004
    write(tmp_path, resent_name, "\n".join(
        [HEADER, row("H1/0001"), row("H1/0003"), row("H1/0004")]) + "\n")
    results = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    corrected = [r for r in results if r.status == "loaded"]
    assert len(corrected) == 1
    assert "supersedes E23000003_2024-04.csv" in corrected[0].message
    refs = con.execute("SELECT crime_reference FROM raw.police_crimes ORDER BY 1").fetchall()
    assert [r[0] for r in refs] == ["H1/0001", "H1/0003", "H1/0004"]
    assert con.execute("SELECT count(*) FROM ops.quarantine").fetchone()[0] == 0
    log = con.execute("SELECT status, rows_read FROM ops.load_log ORDER BY loaded_at, status"
                      ).fetchall()
    assert sorted(log) == [("loaded", 3), ("superseded", 3)]


def test_received_at_is_when_the_file_arrived(con, tmp_path: Path) -> None:
    """ops.load_log.received_at is the landing file's modification time, for loaded and
    rejected files alike: the day an agency's extract arrived, to measure how late it was."""
    arrived = datetime(2024, 5, 17, 9, 42, 5)
    good = write(tmp_path, "E23000003_2024-04.csv", HEADER + "\n" + row("R1/0001") + "\n")
    bad = write(tmp_path, "E23000003_2024-05.csv", "")
    os.utime(good, (arrived.timestamp(), arrived.timestamp()))
    os.utime(bad, (arrived.timestamp() + 86_400, arrived.timestamp() + 86_400))
    results = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert [(r.status, r.received_at) for r in results] == [
        ("loaded", arrived), ("rejected", datetime(2024, 5, 18, 9, 42, 5))]
    log = con.execute("SELECT status, received_at, loaded_at FROM ops.load_log ORDER BY 2"
                      ).fetchall()
    assert log == [("loaded", arrived, NOW), ("rejected", datetime(2024, 5, 18, 9, 42, 5), NOW)]


def test_a_load_log_without_received_at_is_upgraded(con, tmp_path: Path) -> None:
    """A warehouse built before received_at was recorded gains the column: earlier loads keep
    NULL (not known), new loads record it."""
    con.execute("CREATE SCHEMA ops")
    con.execute(
        "CREATE TABLE ops.load_log (file VARCHAR NOT NULL, source VARCHAR NOT NULL, "
        "sha256 VARCHAR NOT NULL, rows_read BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, "
        "rows_quarantined BIGINT NOT NULL, status VARCHAR NOT NULL, message VARCHAR, "
        "loaded_at TIMESTAMP NOT NULL)"
    )
    con.execute("INSERT INTO ops.load_log VALUES ('old.csv', 'police_crimes', 'abc', 1, 1, 0, "
                "'loaded', '1 rows loaded, 0 quarantined', TIMESTAMP '2024-01-01 00:00')")
    path = write(tmp_path, "E23000003_2024-04.csv", HEADER + "\n" + row("U1/0001") + "\n")
    os.utime(path, (1_715_000_000, 1_715_000_000))
    ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    log = con.execute("SELECT file, received_at FROM ops.load_log ORDER BY loaded_at").fetchall()
    assert log == [("old.csv", None), (str(path), datetime.fromtimestamp(1_715_000_000))]
