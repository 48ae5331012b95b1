"""Snapshots of a published database, to prove that a rebuild from the landing files alone
gives the same figures (tests/browser/test_refresh_under_load.py)."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import duckdb

# Columns that legitimately differ between two builds from the same landing files, and why.
# Everything else in the analytics schema must be identical, to the last binary digit.
DIFFERS_BY_BUILD: dict[tuple[str, str], str] = {
    ("data_sharing_files", "loaded_at"): "when this build loaded the file: the rebuild's time",
    ("data_quality_checks", "is_latest_run"): "the rebuild's run is now the latest",
}
# Records of the runs themselves, written by publishing from $PVW_HOME/published (not built
# from landing files): the rebuild adds its own run, and every earlier record must remain.
RUN_RECORDS = {"publish_log", "data_quality_checks"}


def landing_hashes(landing: Path) -> dict[str, tuple[str, int]]:
    """Every file under the landing folder: SHA-256 and modification time (ns)."""
    return {
        str(p.relative_to(landing)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                      p.stat().st_mtime_ns)
        for p in sorted(landing.rglob("*")) if p.is_file()
    }


def _norm(value: object) -> object:
    """NaN equals NaN for this comparison (Python's == says it does not)."""
    return "NaN" if isinstance(value, float) and math.isnan(value) else value


def snapshot(db: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table and view of the analytics schema: its columns, and all its rows, ordered."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [n for (n,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'analytics' ORDER BY 1").fetchall()]
        snap = {}
        for name in names:
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "'analytics' AND table_name = ? ORDER BY ordinal_position", [name]).fetchall()]
            kept = [c for c in cols if (name, c) not in DIFFERS_BY_BUILD]
            select = ", ".join(f'"{c}"' for c in kept)
            rows = con.execute(f'SELECT {select} FROM analytics."{name}" ORDER BY ALL').fetchall()
            snap[name] = (cols, [tuple(_norm(v) for v in row) for row in rows])
        return snap
    finally:
        con.close()


def load_log(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT file, source, sha256, status, rows_read, rows_loaded, rows_quarantined, "
            "message, received_at FROM ops.load_log ORDER BY ALL").fetchall()
    finally:
        con.close()


def quarantine(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:  # every column but quarantined_at (the build's own time)
        return con.execute(
            "SELECT source, file, sha256, line_number, reason, record FROM ops.quarantine "
            "ORDER BY ALL").fetchall()
    finally:
        con.close()


def _first_difference(before: list[tuple], after: list[tuple]) -> str:
    changed = sum(b != a for b, a in zip(before, after, strict=False))
    for i, (b, a) in enumerate(zip(before, after, strict=False)):
        if b != a:
            return (f"{changed} of {len(before)} rows differ; row {i}: before {b!r}, "
                    f"after {a!r}")
    return f"{len(before)} rows before, {len(after)} after"




def differences(before: dict, after: dict) -> list[str]:
    """What changed between two analytics snapshots, table by table."""
    found = []
    if sorted(after) != sorted(before):
        found.append(f"the analytics schema has other tables: {sorted(set(after) ^ set(before))}")
    for name, (cols, rows) in before.items():
        if name not in after:
            continue
        new_cols, new_rows = after[name]
        if new_cols != cols:
            found.append(f"analytics.{name}: columns {cols} became {new_cols}")
        elif name in RUN_RECORDS:
            lost = set(rows) - set(new_rows)
            if lost or len(new_rows) <= len(rows):
                found.append(f"analytics.{name}: {len(lost)} earlier records lost, "
                             f"{len(new_rows) - len(rows) + len(lost)} added")
        elif new_rows != rows:
            found.append(f"analytics.{name}: {_first_difference(rows, new_rows)}")
    return found
