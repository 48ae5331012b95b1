"""Person identifiers are stored only as keyed hashes, in the raw tables and in quarantine."""

from __future__ import annotations

import hashlib
import hmac
import stat
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.contracts import Contract, Field
from orchestration.ingest import ingest_source
from orchestration.pseudonymise import hmac_sql, pseudonym_key

PEOPLE = Contract(
    source="people",
    agency="test",
    description="A contract with a person identifier, a month and semicolons.",
    key=("person_id", "month"),
    delimiter=";",
    fields=(
        Field("person_id", "varchar", True, "A person.", pseudonymise=True),
        Field("month", "month", True, "Snapshot month.", not_future=True),
        Field("score", "decimal", False, "A number.", minimum=0),
    ),
)


def test_sql_hmac_matches_python_hmac() -> None:
    key = bytes(range(32))
    values = ["A1234567", "Zoë O'Brien", ""]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    got = con.execute(f"SELECT {hmac_sql('v', key)} FROM t ORDER BY i").fetchall()
    assert [g[0] for g in got] == [
        hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in values
    ]


def test_key_is_generated_once_private_and_reused(tmp_path: Path) -> None:
    first = pseudonym_key(tmp_path)
    assert len(first) == 32
    assert pseudonym_key(tmp_path) == first
    mode = (tmp_path / "secrets" / "pseudonym_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert pseudonym_key(tmp_path / "other") != first


def test_identifiers_never_stored_in_clear(tmp_path: Path) -> None:
    folder = tmp_path / "people"
    folder.mkdir()
    (folder / "p.csv").write_text(
        "person_id;month;score\nAB123;2024-03;1.5\nCD456;2099-01;2\nAB123;2024-03;3\n"
    )
    key = b"k" * 32
    con = duckdb.connect()
    [result] = ingest_source(con, PEOPLE, tmp_path, now=datetime(2024, 6, 1), key=key)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    hashed = {v: hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in ("AB123", "CD456")}
    assert con.execute("SELECT person_id, month, score FROM raw.people").fetchall() == [
        (hashed["AB123"], datetime(2024, 3, 1).date(), 1.5)
    ]
    quarantined = con.execute("SELECT line_number, reason, record FROM ops.quarantine "
                              "ORDER BY 1").fetchall()
    assert [q[1] for q in quarantined] == [
        "month '2099-01' is in the future", "duplicate of the record on line 2"]
    everything = str(con.execute("SELECT * FROM ops.quarantine").fetchall())
    assert "AB123" not in everything and "CD456" not in everything
    assert hashed["CD456"] in quarantined[0][2]
