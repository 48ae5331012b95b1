"""A Great Expectations suite that passed on tables that have not changed since passes again
without being evaluated (orchestration/assets/quality.py): what counts as unchanged."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.assets.quality import EXPECTATION_RUNS_DDL, inputs_signature, last_pass

KEYS = [["analytics", "indicator_values"], ["ops", "load_log"]]


def _warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA ops")
    con.execute("CREATE TABLE ops.load_log (file VARCHAR, loaded_at TIMESTAMP)")
    con.execute("INSERT INTO ops.load_log VALUES ('a.csv', '2026-11-01 10:00:00')")
    con.execute("CREATE TABLE ops.dbt_model_changes (unique_id VARCHAR, sql_hash VARCHAR, "
                "computed_at TIMESTAMP, changed_at TIMESTAMP)")
    con.execute("INSERT INTO ops.dbt_model_changes VALUES "
                "('model.pvw.indicator_values', 'h', '2026-11-01 11:00', '2026-11-01 11:00')")
    return con


def _record(con: duckdb.DuckDBPyConnection, signature: str, passed: bool) -> None:
    con.execute(EXPECTATION_RUNS_DDL)
    con.execute("INSERT INTO ops.expectation_runs VALUES ('indicator_values', ?, ?, 52, ?)",
                [signature, passed, datetime(2026, 11, 1, 12)])


def test_a_pass_on_the_same_inputs_is_reused(tmp_path: Path) -> None:
    con = _warehouse(tmp_path)
    signature = inputs_signature(con, "indicator_values", KEYS)
    assert signature is not None
    assert last_pass(con, "indicator_values", signature) is None  # never run
    _record(con, signature, passed=True)
    assert last_pass(con, "indicator_values", signature) == (datetime(2026, 11, 1, 12), 52)

    # a later build that computed the table again but found the same rows: still the same
    con.execute("INSERT INTO ops.dbt_model_changes VALUES "
                "('model.pvw.indicator_values', 'h', '2026-11-02 11:00', '2026-11-01 11:00')")
    assert inputs_signature(con, "indicator_values", KEYS) == signature


def test_changed_rows_a_new_load_or_a_failure_make_it_run(tmp_path: Path) -> None:
    con = _warehouse(tmp_path)
    signature = inputs_signature(con, "indicator_values", KEYS)
    _record(con, signature, passed=True)

    con.execute("INSERT INTO ops.load_log VALUES ('b.csv', '2026-11-02 10:00:00')")
    loaded = inputs_signature(con, "indicator_values", KEYS)
    assert loaded != signature and last_pass(con, "indicator_values", loaded) is None

    con.execute("INSERT INTO ops.dbt_model_changes VALUES "
                "('model.pvw.indicator_values', 'h', '2026-11-02 11:00', '2026-11-02 11:00')")
    rebuilt = inputs_signature(con, "indicator_values", KEYS)
    assert rebuilt not in (signature, loaded)

    _record(con, rebuilt, passed=False)  # the latest run on these inputs failed: run again
    assert last_pass(con, "indicator_values", rebuilt) is None


def test_unknown_history_always_runs(tmp_path: Path) -> None:
    con = _warehouse(tmp_path)
    con.execute("DROP TABLE ops.dbt_model_changes")  # no dbt build has recorded here
    assert inputs_signature(con, "indicator_values", KEYS) is None
    assert last_pass(con, "indicator_values", None) is None
    con.execute("CREATE TABLE ops.dbt_model_changes (unique_id VARCHAR, sql_hash VARCHAR, "
                "computed_at TIMESTAMP, changed_at TIMESTAMP)")
    assert inputs_signature(con, "indicator_values", KEYS) is None  # the model never built
