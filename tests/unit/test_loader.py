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


def test_raw_rows_carry_when_their_file_arrived(con, tmp_path: Path) -> None:
    """Each raw row keeps its file's modification time as _received_at: the latest version of
    a re-sent record is chosen by arrival, which a rebuild does not change."""
    arrived = datetime(2024, 5, 17, 9, 42, 5)
    path = write(tmp_path, "E23000003_2024-04.csv",
                 "\n".join([HEADER, row("RA/0001"), row("RA/0002")]) + "\n")
    os.utime(path, (arrived.timestamp(), arrived.timestamp()))
    ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    loaded = con.execute("SELECT crime_reference, _loaded_at, _received_at FROM raw.police_crimes "
                         "ORDER BY 1").fetchall()
    assert loaded == [("RA/0001", NOW, arrived), ("RA/0002", NOW, arrived)]


def test_in_the_future_means_after_the_file_arrived(con, tmp_path: Path) -> None:
    """A date after the file's arrival is in the future even when it is before the load: the
    outcome depends on the file alone, so a later rebuild quarantines the same rows."""
    arrived = datetime(2024, 5, 17, 9, 42, 5)
    path = write(tmp_path, "E23000003_2024-05.csv", "\n".join([
        HEADER,
        row("RF/0001"),                                                        # line 2: good
        row("RF/0002", recorded_date="2024-05-20", occurred_at="2024-05-19 22:00"),  # 3: after
        row("RF/0003", recorded_date="2024-05-17", occurred_at="2024-05-17 09:42"),  # 4: before
    ]) + "\n")
    os.utime(path, (arrived.timestamp(), arrived.timestamp()))
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)  # NOW: 1 June, later
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert quarantine(con) == [(3, "recorded_date '2024-05-20' is in the future; "
                                   "occurred_at '2024-05-19 22:00' is in the future")]
    assert [r[0] for r in con.execute(
        "SELECT crime_reference FROM raw.police_crimes ORDER BY 1").fetchall()] == [
        "RF/0001", "RF/0003"]


def test_a_file_that_arrives_after_now_is_judged_by_now(con, tmp_path: Path) -> None:
    """A modification time later than the load (a clock ahead, a file touched) never lets a
    date after the load through."""
    path = write(tmp_path, "E23000003_2024-04.csv", "\n".join([
        HEADER, row("RN/0001"), row("RN/0002", recorded_date="2024-06-02")]) + "\n")
    ahead = datetime(2024, 7, 1).timestamp()
    os.utime(path, (ahead, ahead))
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert quarantine(con) == [(3, "recorded_date '2024-06-02' is in the future")]


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


# A landing file still being written (docs/faults.md): never half-loaded.

def _rows(prefix: str, n: int) -> str:
    return "".join(row(f"{prefix}/{i:04d}") + "\n" for i in range(n))


@pytest.mark.parametrize("name", [
    "E23000003_2024-05.csv.part", "E23000003_2024-05.csv.tmp", "E23000003_2024-05.partial",
    ".E23000003_2024-05.csv", "._E23000003_2024-05.csv", "~$E23000003_2024-05.xlsx",
])
def test_temporary_names_are_not_read(con, tmp_path: Path, name: str) -> None:
    """What transfer tools and editors write before the final rename is left alone."""
    write(tmp_path, name, HEADER + "\n" + _rows("T1", 3))
    write(tmp_path, "E23000003_2024-04.csv", HEADER + "\n" + _rows("T0", 2))
    results = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert [(Path(r.file).name, r.status) for r in results] == [
        ("E23000003_2024-04.csv", "loaded")]
    assert con.execute("SELECT count(*) FROM raw.police_crimes").fetchone()[0] == 2


def _appending(path: Path, text: str):
    """A writer that adds ``text`` to the file once, the first time it is called."""
    done = []

    def append() -> None:
        if not done:
            with path.open("a") as fh:
                fh.write(text)
            done.append(True)
    return append


@pytest.mark.parametrize("moment", ["before_rows_are_read", "after_rows_are_inserted"])
def test_a_file_still_being_written_is_skipped_then_loaded_whole(
    con, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    """The agency's transfer appends to the file during its load: the load is rolled back,
    nothing is logged or quarantined, and the next run loads the completed file whole."""
    from orchestration.ingest import loader

    # the first half of the file, ending mid-record as a writer's buffer does
    partial = HEADER + "\n" + _rows("W1", 50) + row("W1/0050")[:40]
    path = write(tmp_path, "E23000003_2024-04.csv", partial)
    rest = row("W1/0050")[40:] + "\n" + _rows("W2", 49)
    writer = _appending(path, rest)
    if moment == "before_rows_are_read":
        real = loader.readable

        def readable(*args, **kwargs):
            found = real(*args, **kwargs)
            writer()  # the file grows after its SHA-256 was taken, before DuckDB reads it
            return found
        monkeypatch.setattr(loader, "readable", readable)
    else:
        real = loader._supersede

        def supersede(*args, **kwargs):
            writer()  # the file grows after its rows were read and inserted, before COMMIT
            return real(*args, **kwargs)
        monkeypatch.setattr(loader, "_supersede", supersede)

    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert (result.status, result.rows_loaded) == ("skipped", 0)
    assert result.message == ("the file changed while it was being read (still being "
                              "written?): nothing loaded, it will be read at the next run")
    assert con.execute("SELECT count(*) FROM raw.police_crimes").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM ops.quarantine").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM ops.load_log").fetchone()[0] == 0

    monkeypatch.undo()
    [again] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert (again.status, again.rows_read, again.rows_loaded, again.rows_quarantined) == (
        "loaded", 100, 100, 0)
    assert con.execute("SELECT status, rows_loaded FROM ops.load_log").fetchall() == [
        ("loaded", 100)]


def test_a_file_that_disappears_while_read_is_skipped(
    con, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transfer that writes under the final name and then moves the file away."""
    from orchestration.ingest import loader

    path = write(tmp_path, "E23000003_2024-04.csv", HEADER + "\n" + _rows("D1", 5))
    real = loader.readable

    def readable(*args, **kwargs):
        found = real(*args, **kwargs)
        path.rename(path.with_suffix(".csv.part"))
        return found
    monkeypatch.setattr(loader, "readable", readable)
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert result.status == "skipped"
    assert result.message.startswith("the file disappeared while it was being read")
    assert con.execute("SELECT count(*) FROM ops.load_log").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM raw.police_crimes").fetchone()[0] == 0


class _FullDisk:
    """A connection whose writes to raw tables fail as DuckDB's do on a full disk."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def execute(self, sql: str, *args):
        if sql.lstrip().startswith("INSERT INTO raw."):
            raise duckdb.IOException(
                'IO Error: Could not write file "/pvw/warehouse.duckdb": No space left on device')
        return self.con.execute(sql, *args)


def test_a_full_disk_stops_the_load_and_never_rejects_the_file(con, tmp_path: Path) -> None:
    """A build database that cannot be written is not the agency's fault: the load stops with
    a message saying so, and the file is neither rejected nor half-loaded."""
    from orchestration.ingest.loader import BuildDatabaseWriteError

    write(tmp_path, "E23000003_2024-04.csv", HEADER + "\n" + _rows("F1", 5))
    with pytest.raises(BuildDatabaseWriteError) as raised:
        ingest_source(_FullDisk(con), POLICE_CRIMES, tmp_path, now=NOW)
    assert str(raised.value) == (
        'E23000003_2024-04.csv: the build database could not be written (IO Error: Could not '
        'write file "/pvw/warehouse.duckdb": No space left on device); is the disk full? '
        "Free space and run again: a file is loaded whole or not at all")
    assert con.execute("SELECT count(*) FROM ops.load_log").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM raw.police_crimes").fetchone()[0] == 0
    [result] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert (result.status, result.rows_loaded) == ("loaded", 5)
