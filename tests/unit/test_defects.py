"""`pvw generate --defects`: injected faults end in quarantine with their reasons, nothing lost."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.contracts import POLICE_CRIMES
from orchestration.ingest import ingest_source
from orchestration.synthetic.generate import generate


def test_injected_defects_are_quarantined_and_every_row_accounted_for(tmp_path: Path) -> None:
    generate(tmp_path, "E22000158", "2023-04", 3, seed=11, sources=["police_crimes"],
             defects=0.05)
    con = duckdb.connect()
    results = ingest_source(con, POLICE_CRIMES, tmp_path)
    assert all(r.status == "loaded" for r in results)
    assert all(r.rows_read == r.rows_loaded + r.rows_quarantined for r in results)
    read = sum(r.rows_read for r in results)
    quarantined = sum(r.rows_quarantined for r in results)
    assert 0.03 * read < quarantined < 0.08 * read
    reasons = " | ".join(r[0] for r in con.execute("SELECT reason FROM ops.quarantine").fetchall())
    for expected in ("is not a date", "is not a known code", "is required but blank",
                     "duplicate of the record on line", "line cannot be read as CSV"):
        assert expected in reasons, expected


def test_defects_are_deterministic_for_a_seed(tmp_path: Path) -> None:
    for name in ("a", "b"):
        generate(tmp_path / name, "E22000158", "2023-04", 2, seed=5, sources=["police_crimes"],
                 defects=0.05)
    files = sorted(p.name for p in (tmp_path / "a" / "police_crimes").glob("*.csv"))
    for name in files:
        a = (tmp_path / "a" / "police_crimes" / name).read_bytes()
        assert a == (tmp_path / "b" / "police_crimes" / name).read_bytes()
