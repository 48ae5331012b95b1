"""Files loaded together: one DuckDB statement reads a batch of a source's files (issue 7: the
cost of a load was per file), and the outcome is exactly what loading them one by one gives:
the same rows, line numbers, quarantine reasons, messages and supersessions."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.contracts import POLICE_CRIMES
from orchestration.ingest import ingest_source, loader
from tests.unit.test_loader import HEADER, NOW, row, write

RAW = ("SELECT * EXCLUDE (_file), regexp_extract(_file, '[^/]+$') AS name FROM raw.police_crimes "
       "ORDER BY name, _line_number")
QUARANTINE = ("SELECT regexp_extract(file, '[^/]+$') AS name, line_number, reason, record "
              "FROM ops.quarantine ORDER BY name, line_number")
LOG = ("SELECT regexp_extract(file, '[^/]+$') AS name, sha256, rows_read, rows_loaded, "
       "rows_quarantined, status, message, received_at, extract_identity FROM ops.load_log "
       "ORDER BY name, sha256")


def _arrive(path: Path, day: int) -> None:
    at = datetime(2024, 5, day, 9, 0).timestamp()
    os.utime(path, (at, at))


def _landing(folder: Path) -> None:
    """Six files of every kind a batch must keep apart: bad rows, duplicates within a file
    (and the same key in two files, which is not a duplicate), a header-only file, a rejected
    header, a re-sent corrected extract, dates judged against each file's own arrival."""
    future = {"recorded_date": "2024-05-10", "occurred_at": "2024-05-09 10:00"}
    files = {
        "E23000007_2024-04.csv": [HEADER, row("B1/1"), row("B1/2", recorded_date="02/04/2024"),
                                  row("B1/1"), row("B1/3") + ",extra", row("B1/4", lsoa_code="X"),
                                  row("B1/5", **future)],
        "E23000003_2024-04.csv": [HEADER, row("B1/1"), row("B2/1"),
                                  row("B2/2", offence_group="XXX"), row("B2/1")],
        "E23000004_2024-04.csv": [HEADER],
        "E23000005_2024-04.csv": [HEADER.replace("lsoa_code", "LSOA"), row("B4/1")],
        "E23000003_2024-04_v2.csv": [HEADER, row("B2/1"), row("B2/3")],
        "E23000006_2024-05.csv": [HEADER, row("B6/1", **future)],
    }
    for day, (name, lines) in enumerate(files.items(), start=1):
        _arrive(write(folder, name, "\n".join(lines) + "\n"), day * 4)


def _outcome(landing: Path, monkeypatch: pytest.MonkeyPatch, batch_files: int):
    monkeypatch.setattr(loader, "BATCH_FILES", batch_files)
    con = duckdb.connect()
    results = ingest_source(con, POLICE_CRIMES, landing, now=NOW)
    tables = [con.execute(sql).fetchall() for sql in (RAW, QUARANTINE, LOG)]
    return [(Path(r.file).name, r.status, r.rows_read, r.message) for r in results], tables


def test_a_batch_loads_exactly_what_file_by_file_loading_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _landing(tmp_path)
    together, tables = _outcome(tmp_path, monkeypatch, batch_files=1000)
    alone, tables_alone = _outcome(tmp_path, monkeypatch, batch_files=1)
    assert together == alone
    assert tables == tables_alone
    raw, quarantined, log = tables
    # what that outcome is: line numbers within each file, duplicates within a file only
    assert {(name, line): reason for name, line, reason, _ in quarantined} == {
        ("E23000007_2024-04.csv", 3): "recorded_date '02/04/2024' is not a date (YYYY-MM-DD)",
        ("E23000007_2024-04.csv", 4): "duplicate of the record on line 2",
        ("E23000007_2024-04.csv", 5): "line cannot be read as CSV: Expected Number of Columns: "
                                      "15 Found: 16",
        ("E23000007_2024-04.csv", 6): "lsoa_code 'X' is not in the expected format",
        # it arrived on 4 May: a record of 10 May is in the future for this file…
        ("E23000007_2024-04.csv", 7): "recorded_date '2024-05-10' is in the future; "
                                      "occurred_at '2024-05-09 10:00' is in the future",
    }
    # …but not for the file that arrived on 24 May
    assert [(r[0], r[-1]) for r in raw if r[-1] == "E23000006_2024-05.csv"] == [
        ("B6/1", "E23000006_2024-05.csv")]
    statuses = {name: (status, read) for name, _, read, _, _, status, *_ in log}
    assert statuses == {
        "E23000007_2024-04.csv": ("loaded", 6), "E23000003_2024-04.csv": ("superseded", 4),
        "E23000004_2024-04.csv": ("loaded", 0), "E23000005_2024-04.csv": ("rejected", 0),
        "E23000003_2024-04_v2.csv": ("loaded", 2), "E23000006_2024-05.csv": ("loaded", 1)}
    for name, _, read, loaded_rows, quarantined_rows, *_ in log:
        assert read == loaded_rows + quarantined_rows, name
    # the corrected extract (same run, same batch) replaced the April one: its rows and its
    # quarantine are gone, and each names the other
    messages = {name: message for name, _, _, _, _, _, message, *_ in log}
    assert "; superseded by E23000003_2024-04_v2.csv" in messages["E23000003_2024-04.csv"]
    assert "; supersedes E23000003_2024-04.csv" in messages["E23000003_2024-04_v2.csv"]
    assert sorted(r[0] for r in raw if r[-1].startswith("E23000003_2024-04")) == [
        "B2/1", "B2/3"]
    # B1/1 in two partnerships' files is two records, not a duplicate
    assert sorted(r[-1] for r in raw if r[0] == "B1/1") == ["E23000007_2024-04.csv"]


def test_a_file_duckdb_cannot_read_is_rejected_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch DuckDB cannot read is loaded again file by file: the other files load."""
    for n in range(1, 4):
        _arrive(write(tmp_path, f"E2300000{n}_2024-04.csv", HEADER + "\n" + row(f"C{n}/1") + "\n"),
                n)

    class Unreadable:
        """DuckDB failing on the second file, as on a file it cannot parse at all."""

        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self.con = con

        def execute(self, sql: str, *args):
            if "read_csv(" in sql and "E23000002_2024-04.csv" in sql:
                raise duckdb.InvalidInputException("Invalid Input Error: cannot parse this")
            return self.con.execute(sql, *args)

    con = duckdb.connect()
    results = ingest_source(Unreadable(con), POLICE_CRIMES, tmp_path, now=NOW)
    assert [(Path(r.file).name, r.status, r.message) for r in results] == [
        ("E23000001_2024-04.csv", "loaded", "1 rows loaded, 0 quarantined"),
        ("E23000002_2024-04.csv", "rejected",
         "the file cannot be read as CSV: Invalid Input Error: cannot parse this"),
        ("E23000003_2024-04.csv", "loaded", "1 rows loaded, 0 quarantined")]
    assert con.execute("SELECT crime_reference FROM raw.police_crimes ORDER BY 1").fetchall() == [
        ("C1/1",), ("C3/1",)]
    assert con.execute("SELECT count(*) FROM ops.load_log").fetchone()[0] == 3


@pytest.mark.parametrize("ending", ["\n", ""])
def test_a_quote_never_closed_rejects_the_file_instead_of_losing_its_rest(
    tmp_path: Path, ending: str
) -> None:
    """DuckDB reads a quote that is never closed as one field running to the end of the file,
    and reports no error: the lines after it would vanish. The file is rejected, saying where;
    the file loaded with it (CRLF, a blank last line) is not affected."""
    cut = row("Q1/2").rindex(",")
    write(tmp_path, "E23000003_2024-04.csv", "\n".join(
        [HEADER, row("Q1/1"), row("Q1/2")[:cut] + ',"no_sus', row("Q1/3"), row("Q1/4")]) + ending)
    write(tmp_path, "E23000003_2024-05.csv", HEADER + "\r\n" + row(
        "Q2/1", recorded_date="2024-05-02", occurred_at="2024-05-01 10:00") + "\r\n\r\n")
    con = duckdb.connect()
    results = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert sorted((Path(r.file).name, r.status, r.rows_read, r.message) for r in results) == [
        ("E23000003_2024-04.csv", "rejected", 0,
         "line 3: a quote (\") opened on or after this line is never closed, or a field runs "
         "over several lines: 3 of the file's 4 lines of data cannot be read as records, so "
         "nothing is loaded"),
        ("E23000003_2024-05.csv", "loaded", 1, "1 rows loaded, 0 quarantined")]
    assert con.execute("SELECT crime_reference FROM raw.police_crimes").fetchall() == [("Q2/1",)]
    assert con.execute("SELECT status FROM ops.load_log ORDER BY file").fetchall() == [
        ("rejected",), ("loaded",)]


def test_files_with_different_column_orders_are_read_apart(tmp_path: Path) -> None:
    """A header in another order is valid; its file is read in a batch of its own."""
    names = POLICE_CRIMES.column_names
    swapped = [names[1], names[0], *names[2:]]
    values = row("O2/1").split(",")
    write(tmp_path, "E23000003_2024-04.csv", HEADER + "\n" + row("O1/1") + "\n")
    write(tmp_path, "E23000004_2024-04.csv", ",".join(swapped) + "\n"
          + ",".join([values[1], values[0], *values[2:]]) + "\n")
    con = duckdb.connect()
    results = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert [r.status for r in results] == ["loaded", "loaded"]
    assert con.execute("SELECT crime_reference, force_code FROM raw.police_crimes ORDER BY 1"
                       ).fetchall() == [("O1/1", "E23000003"), ("O2/1", "E23000003")]


def test_a_file_loaded_before_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh reads only new files: one loaded with the same name, size and modification
    time is not even hashed; touched (same bytes, new time) it is hashed once and found
    unchanged."""
    old = write(tmp_path, "E23000003_2024-04.csv", HEADER + "\n" + row("R1/1") + "\n")
    con = duckdb.connect()
    ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    write(tmp_path, "E23000003_2024-05.csv", HEADER + "\n" + row(
        "R2/1", recorded_date="2024-05-02", occurred_at="2024-05-01 10:00") + "\n")
    hashed = []
    real = loader.sha256_of
    monkeypatch.setattr(loader, "sha256_of", lambda p: hashed.append(p.name) or real(p))
    results = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert hashed == ["E23000003_2024-05.csv"]
    assert [(Path(r.file).name, r.status) for r in results] == [
        ("E23000003_2024-04.csv", "unchanged"), ("E23000003_2024-05.csv", "loaded")]
    os.utime(old, (old.stat().st_atime, old.stat().st_mtime + 60))
    [touched, _] = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert hashed == ["E23000003_2024-05.csv", "E23000003_2024-04.csv"]
    assert touched.status == "unchanged"
    assert con.execute("SELECT count(*) FROM raw.police_crimes").fetchone()[0] == 2
    # its load now records the new time: the next run does not read it again
    assert [r.status for r in ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)] == [
        "unchanged", "unchanged"]
    assert hashed == ["E23000003_2024-05.csv", "E23000003_2024-04.csv"]
