"""Publishing on small real DuckDB files: versions kept, history recorded in the served copy,
rollback, pruning, refusals, and leftovers of a killed publish."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration import publish as pub
from orchestration.publish import CheckResult, PublishError
from tests.conftest import run_pvw


def build(home: Path, rows: int) -> None:
    """A build database with one analytics table of ``rows`` rows."""
    home.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS analytics; CREATE SCHEMA IF NOT EXISTS ops")
        con.execute("CREATE OR REPLACE TABLE analytics.figures AS "
                    f"SELECT range AS n FROM range({rows})")


def served_rows(home: Path) -> int:
    with duckdb.connect(str(home / "serving.duckdb"), read_only=True) as con:
        return con.execute("SELECT count(*) FROM analytics.figures").fetchone()[0]


WARNING = CheckResult("analytics/figures", "volume_other_extracts", "volume", "warning", False,
                      "ae_istv for Somewhere 2024-03: 10 records, usual 100 (-90%)")
PASSED = CheckResult("analytics/figures", "not_null_figures_n", "dbt test", "blocking", True)


def test_publish_keeps_a_version_and_writes_its_record_into_the_copy(tmp_path: Path) -> None:
    build(tmp_path, 3)
    result = pub.publish(tmp_path, "run-aaaa1111", [PASSED, WARNING])
    assert served_rows(tmp_path) == 3
    assert result.tables == {"analytics.figures": 3}
    assert pub.served_version(tmp_path) == pub.versions_dir(tmp_path) / result.version
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as con:
        log = con.execute("SELECT run_id, outcome, version, checks_failed, checks_warned "
                          "FROM analytics.publish_log").fetchall()
        checks = con.execute("SELECT check_name, grade, result, is_latest_run "
                             "FROM analytics.data_quality_checks ORDER BY 1").fetchall()
        counts = con.execute("SELECT table_name, row_count FROM ops.published_tables").fetchall()
    assert log == [("run-aaaa1111", "published", result.version, None, "volume_other_extracts")]
    assert checks == [("not_null_figures_n", "blocking", "passed", True),
                      ("volume_other_extracts", "warning", "failed: warning", True)]
    assert counts == [("analytics.figures", 3)]
    # the build database is left as it was: the record lives in the history and the copy
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'publish_log'").fetchone()[0] == 0
    with pub.history(tmp_path) as con:
        assert con.execute("SELECT count(*) FROM ops.check_results").fetchone()[0] == 2


def test_rollback_serves_the_previous_version_and_is_recorded(tmp_path: Path) -> None:
    build(tmp_path, 1)
    first = pub.publish(tmp_path, "run-1")
    build(tmp_path, 2)
    pub.publish(tmp_path, "run-2")
    assert served_rows(tmp_path) == 2
    before, after = pub.rollback(tmp_path)
    assert after.name == first.version
    assert served_rows(tmp_path) == 1
    assert pub.served_version(tmp_path).name == first.version
    with pytest.raises(PublishError, match="no version older than"):
        pub.rollback(tmp_path)
    with pub.history(tmp_path) as con:
        outcomes = [r[0] for r in con.execute(
            "SELECT outcome FROM ops.publish_log ORDER BY logged_at, rowid").fetchall()]
    assert outcomes == ["published", "published", "rolled back"]
    # a later publish carries the whole history, the rollback included
    build(tmp_path, 4)
    pub.publish(tmp_path, "run-3")
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as con:
        assert [r[0] for r in con.execute(
            "SELECT outcome FROM analytics.publish_log ORDER BY logged_at, rowid").fetchall()
        ] == ["published", "published", "rolled back", "published"]


def test_only_the_last_few_versions_are_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(pub, "KEEP_VERSIONS", 2)
    for n in range(4):
        build(tmp_path, n + 1)
        pub.publish(tmp_path, f"run-{n}")  # names: time, then run id, so they sort by n
    kept = pub.kept_versions(tmp_path)
    assert len(kept) == 2
    assert pub.served_version(tmp_path) == kept[-1]
    assert served_rows(tmp_path) == 4


def test_two_publishes_in_the_same_second_keep_two_versions(tmp_path: Path, monkeypatch) -> None:
    """Manual publishes share a run id per second: version names go to the microsecond, and
    a name already kept is never reused, so rolling back finds the first."""
    monkeypatch.setattr(pub, "_now", lambda: pub.datetime(2026, 11, 24, 10, 0, 0))
    build(tmp_path, 1)
    first = pub.publish(tmp_path)
    build(tmp_path, 2)
    second = pub.publish(tmp_path)
    assert first.version != second.version
    assert [v.name for v in pub.kept_versions(tmp_path)] == [first.version, second.version]
    pub.rollback(tmp_path)
    assert served_rows(tmp_path) == 1


def test_a_publish_killed_half_way_leaves_nothing_that_breaks_the_next(tmp_path: Path) -> None:
    build(tmp_path, 2)
    pub.publish(tmp_path, "run-1")
    # what a kill can leave: a half-written staged copy and a stale write-ahead log
    (tmp_path / "serving.duckdb.next").write_bytes(b"half a database")
    (tmp_path / "serving.duckdb.wal").write_bytes(b"not this file's log")
    build(tmp_path, 5)
    pub.publish(tmp_path, "run-2")
    assert served_rows(tmp_path) == 5
    assert not (tmp_path / "serving.duckdb.next").exists()


def test_publish_refuses_blocking_failures(tmp_path: Path) -> None:
    build(tmp_path, 1)
    failed = CheckResult("analytics/figures", "great_expectations_figures",
                         "great expectations", "blocking", False, "value: 1 row below 0")
    with pytest.raises(PublishError, match="blocking checks failed: great_expectations_figures"):
        pub.publish(tmp_path, "run-x", [failed])
    assert not (tmp_path / "serving.duckdb").exists()


def test_cli_will_not_publish_a_refused_build_unless_forced(tmp_path: Path) -> None:
    build(tmp_path, 1)
    pub.publish(tmp_path, "run-good")
    build(tmp_path, 9)
    pub.record_refusal(tmp_path, "run-bad", "refused", [], "nothing published: checks failed")
    proc = run_pvw(tmp_path, "publish", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "pvw: error: the last run (run-bad) was refused: its build is not published; "
        "fix the cause and run again, or `pvw publish --force`")
    assert served_rows(tmp_path) == 1
    listed = run_pvw(tmp_path, "publish", "--list").stdout
    assert "← served" in listed and "refused" in listed
    run_pvw(tmp_path, "publish", "--force")
    assert served_rows(tmp_path) == 9
    proc = run_pvw(tmp_path, "publish", "--rollback")
    assert "Rolled back" in proc.stdout
    assert served_rows(tmp_path) == 1
