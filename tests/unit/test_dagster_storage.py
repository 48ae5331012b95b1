"""The instance pvw writes keeps Dagster's SQLite storages, with an event log that reuses its
connections (orchestration/dagster_storage.py), and runs and reads back like Dagster's own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dagster as dg
import pytest

from orchestration.dagster_storage import PooledSqliteEventLogStorage
from orchestration.run import prepare_instance


@dg.asset
def counted() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=counted)
def counted_is_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def test_runs_are_stored_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # prepare_instance sets it again
    dh = prepare_instance(tmp_path / "home")
    text = (dh / "dagster.yaml").read_text()
    assert prepare_instance(tmp_path / "home") == dh
    assert (dh / "dagster.yaml").read_text() == text  # written once, not rewritten
    defs = dg.Definitions(assets=[counted], asset_checks=[counted_is_positive])
    with dg.DagsterInstance.from_config(str(dh)) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        runs = [defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance) for _ in range(3)]
        assert all(r.success for r in runs)
        for run in runs:
            kinds = {e.dagster_event.event_type_value for e in instance.all_logs(run.run_id)
                     if e.dagster_event}
            assert {"ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"} <= kinds
            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.SUCCESS
        latest = instance.get_latest_materialization_event(dg.AssetKey("counted"))
        assert latest.run_id == runs[-1].run_id
        assert latest.asset_materialization.metadata["rows"].value == 3
    # Dagster's own layout: a database per run beside the index, the runs in history/
    for run in runs:
        assert (dh / "history" / "runs" / f"{run.run_id}.db").exists()
    with sqlite3.connect(dh / "history" / "runs.db") as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 3


def test_a_moved_home_gets_its_own_paths(tmp_path: Path) -> None:
    first = prepare_instance(tmp_path / "one")
    (tmp_path / "one").rename(tmp_path / "two")
    second = prepare_instance(tmp_path / "two")
    text = (second / "dagster.yaml").read_text()
    assert str(tmp_path / "two" / "dagster" / "history") in text
    assert str(first) not in text
