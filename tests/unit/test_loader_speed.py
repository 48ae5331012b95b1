"""The loader's fast paths give what the plain ones would: the UTF-8 check that decodes only
blocks that are not plain ASCII, and a batch's rows stored in the order they were read (files
in arrival order, lines in file order) even when a rule makes DuckDB plan a join."""

from __future__ import annotations

import codecs
import dataclasses
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.contracts import POLICE_CRIMES
from orchestration.ingest import ingest_source, loader
from orchestration.ingest.readers import _is_utf8
from tests.unit.test_loader import HEADER, NOW, row, write

BLOCK = 1 << 20  # what the UTF-8 check reads at a time


def _plain(data: bytes) -> tuple[bool, int]:
    """UTF-8 or not, and lines or the first bad line, the slow way."""
    try:
        codecs.decode(data, "utf-8")
    except UnicodeDecodeError as exc:
        return False, data[: exc.start].count(b"\n") + 1
    return True, data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


@pytest.mark.parametrize("data", [
    b"", b"a", b"a\nb\n", b"a\nb", "caf\u00e9\n".encode(), b"ok\n\xff\n",
    # a character split between two blocks, and one left open at the end of the file
    b"x\n" * (BLOCK // 2 - 1) + b"y" + "\u20ac".encode() + b"\nz\n",
    b"x\n" * (BLOCK // 2 - 1) + b"y" + "\u20ac".encode()[:2] + b"\nz\n",
    b"x" * BLOCK + b"\n" + "\u00e9".encode()[:1],
    b"x\n" * BLOCK + b"\x80\n",
])
def test_the_utf8_check_skips_only_what_needs_no_decoding(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert _is_utf8(path) == _plain(data)


def _landing(folder: Path) -> list[str]:
    """Three files with bad rows, duplicates and a line DuckDB cannot read, arriving in an
    order that is not their names' order."""
    names = ["E23000009_2024-04.csv", "E23000001_2024-04.csv", "E23000005_2024-04.csv"]
    for day, name in enumerate(names, start=1):
        tag = name[7:9]
        lines = [HEADER] + [row(f"R{tag}/{n:03d}") for n in range(40)]
        lines[5] = row(f"R{tag}/001")  # a duplicate
        lines[9] = row(f"R{tag}/900", lsoa_code="E01999999")  # not an LSOA of the set
        lines[12] += ",extra"  # cannot be read as CSV
        lines[20] = row(f"R{tag}/901", victim_age="200")
        path = write(folder, name, "\n".join(lines) + "\n")
        at = datetime(2024, 5, day, 9, 0).timestamp()
        os.utime(path, (at, at))
    return names


STORED = ("SELECT regexp_extract(_file, '[^/]+$') AS name, _line_number FROM raw.police_crimes "
          "ORDER BY rowid")
QUARANTINED = ("SELECT regexp_extract(file, '[^/]+$'), line_number, reason, record "
               "FROM ops.quarantine ORDER BY rowid")


def _stored_in_read_order(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    stored = con.execute(STORED).fetchall()
    assert stored == sorted(stored, key=lambda r: (names.index(r[0]), r[1]))
    assert len(stored) == 3 * (40 - 4)


def test_a_batch_is_stored_in_the_order_it_was_read(tmp_path: Path) -> None:
    names = _landing(tmp_path)
    con = duckdb.connect()
    results = ingest_source(con, POLICE_CRIMES, tmp_path, now=NOW)
    assert [(Path(r.file).name, r.rows_read, r.rows_loaded) for r in results] == [
        (name, 40, 36) for name in names]
    _stored_in_read_order(con, names)
    reasons = {(n, line): reason for n, line, reason, _ in con.execute(QUARANTINED).fetchall()}
    assert reasons[(names[0], 6)] == "duplicate of the record on line 3"
    assert reasons[(names[0], 10)] == (
        "lsoa_code 'E01999999' is not an English LSOA of the 2011 set")
    assert reasons[(names[0], 13)].startswith("line cannot be read as CSV")
    assert reasons[(names[0], 21)] == "victim_age '200' is above 120"


def test_a_rule_planned_as_a_join_keeps_the_order_and_the_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row check with a subquery is a join, whose output DuckDB does not keep in order: the
    loader puts the rows back in order, and loads what it would without the join."""
    names = _landing(tmp_path)
    plain = duckdb.connect()
    ingest_source(plain, POLICE_CRIMES, tmp_path, now=NOW)
    joined = dataclasses.replace(POLICE_CRIMES, row_checks=(*POLICE_CRIMES.row_checks, (
        "trim(outcome) NOT IN (SELECT unnest(['charged', 'cautioned', "
        "'community_resolution', 'evidential_difficulties', 'no_suspect', "
        "'under_investigation', 'other']))", "outcome is not a known outcome")))
    con = duckdb.connect()
    monkeypatch.setattr(loader, "BATCH_FILES", 2)  # two batches: the second appends
    ingest_source(con, joined, tmp_path, now=NOW)
    _stored_in_read_order(con, names)
    raw = "SELECT * FROM raw.police_crimes ORDER BY rowid"
    assert con.execute(raw).fetchall() == plain.execute(raw).fetchall()
    assert con.execute(QUARANTINED).fetchall() == plain.execute(QUARANTINED).fetchall()


@pytest.mark.parametrize("in_transaction", [False, True])
def test_rows_out_of_order_are_put_back_in_read_order(in_transaction: bool) -> None:
    con = duckdb.connect()
    if in_transaction:
        con.execute("BEGIN TRANSACTION")
    con.execute("CREATE TEMP TABLE _checked AS SELECT _grn, -_grn AS v "
                "FROM (SELECT unnest([3, 1, 2, 5, 4]) AS _grn)")
    loader._keep_read_order(con, "_checked")
    assert con.execute("SELECT _grn, v FROM _checked ORDER BY rowid").fetchall() == [
        (n, -n) for n in range(1, 6)]
    con.execute("CREATE OR REPLACE TEMP TABLE _checked AS SELECT unnest(range(1, 6)) AS _grn")
    loader._keep_read_order(con, "_checked")  # in order: left as it is
    assert con.execute("SELECT _grn FROM _checked ORDER BY rowid").fetchall() == [
        (n,) for n in range(1, 6)]
