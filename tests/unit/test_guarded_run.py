"""Runs launched outside `pvw run` (the Dagster UI, the schedule, the landing sensor) are guarded
like `pvw run`'s own: the build's Warehouse resource takes the run lock for the whole run, marks
the build incomplete, and records a refused or failed run in the publish history.

Real Dagster runs on an ephemeral instance with the real Warehouse resource; the assets are
small stand-ins for the build's, so no dbt project is needed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.publish import history
from orchestration.resources import Warehouse
from orchestration.run import incomplete_marker, run_lock


@dg.asset
def extract(warehouse: Warehouse) -> None:
    with warehouse.connect() as con:
        con.execute("CREATE OR REPLACE TABLE figures AS SELECT 1 AS n")


@dg.asset(deps=[extract])
def broken(warehouse: Warehouse) -> None:
    raise RuntimeError("the landing share is not mounted")


@dg.asset_check(asset=extract, blocking=True)
def figures_positive(warehouse: Warehouse) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="1 figure is negative")


def _run(home: Path, *assets, checks=()) -> dg.ExecuteInProcessResult:
    return dg.materialize([*assets, *checks], resources={"warehouse": Warehouse(home=str(home))},
                          instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def _history(home: Path) -> list[tuple]:
    with history(home) as con:
        return con.execute("SELECT run_id, outcome, detail FROM ops.publish_log "
                           "ORDER BY logged_at").fetchall()


def test_a_failed_run_is_recorded_and_its_build_no_longer_marked(tmp_path: Path) -> None:
    result = _run(tmp_path, extract, broken)
    assert not result.success
    assert _history(tmp_path) == [(result.run_id, "failed",
                                   "nothing published: broken: the landing share is not mounted")]
    assert not incomplete_marker(tmp_path).exists()


def test_a_run_whose_blocking_check_fails_is_recorded_as_refused(tmp_path: Path) -> None:
    result = _run(tmp_path, extract, checks=[figures_positive])
    assert not result.success
    [(run_id, outcome, detail)] = _history(tmp_path)
    assert (run_id, outcome) == (result.run_id, "refused")
    assert detail == "nothing published: extract:figures_positive (1 figure is negative)"
    with history(tmp_path) as con:
        assert con.execute("SELECT check_name, passed FROM ops.check_results").fetchall() == [
            ("figures_positive", False)]


def test_a_partial_run_records_nothing_and_leaves_the_build_marked(tmp_path: Path) -> None:
    """Materialising one asset from the UI publishes nothing and fails nothing: `pvw publish`
    must still not publish a build that was not checked whole."""
    result = _run(tmp_path, extract)
    assert result.success
    assert not (tmp_path / "published" / "history.duckdb").exists() or not _history(tmp_path)
    assert incomplete_marker(tmp_path).exists()


def test_a_run_started_while_pvw_run_holds_the_lock_fails_at_once(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from orchestration.run import run_lock\n"
         f"with run_lock(Path({str(tmp_path)!r})):\n"
         "    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        result = _run(tmp_path, extract)
        assert time.monotonic() - started < 30
        assert not result.success
        failures = [e for e in result.all_events if e.is_failure]
        assert any("another pvw run is using" in str(e.event_specific_data) for e in failures)
        assert not (tmp_path / "warehouse.duckdb").exists()  # never opened by the second run
    finally:
        holder.kill()
        holder.wait()


def test_inside_pvw_run_the_guard_steps_aside(tmp_path: Path) -> None:
    """`pvw run` holds the lock and records the outcome itself: the resource does neither."""
    with run_lock(tmp_path):
        result = _run(tmp_path, extract, broken)
    assert not result.success
    assert not (tmp_path / "published" / "history.duckdb").exists()
    assert not incomplete_marker(tmp_path).exists()


@pytest.fixture(autouse=True)
def _quiet_dagster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_DISABLE_TELEMETRY", "1")
