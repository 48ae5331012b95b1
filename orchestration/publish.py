"""Publishing: the serving database changes only as a whole, and every attempt is recorded.

Layout under ``$PVW_HOME``::

    warehouse.duckdb                 the build database (only a run writes it)
    serving.duckdb                   what Superset and analysts read, read-only
    published/history.duckdb         ops.publish_log, ops.check_results, ops.published_tables
    published/versions/<name>.duckdb the last few published versions (hard links when possible)

A publish checkpoints and closes the build, copies it to ``serving.duckdb.next``, writes the
publish record into that copy (``analytics.publish_log`` and ``analytics.data_quality_checks``,
which the data-sharing dashboard reads), opens it read-only to prove it is whole, keeps it as a
version and moves it over ``serving.duckdb`` with ``os.replace`` (atomic on one filesystem).
A stale ``serving.duckdb.wal`` would make every reader fail after the swap, so it is removed
first. ../shared/STACK_NOTES.md records the measurement behind the swap.

A run whose blocking checks fail publishes nothing: :func:`record_refusal` writes its outcome
and check results to the history, and ``serving.duckdb`` stays the last good version.
:func:`rollback` puts the version before the one served back in place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.settings import serving_path, warehouse_path

KEEP_VERSIONS = int(os.environ.get("PVW_KEEP_VERSIONS", "5"))

HISTORY_DDL = [
    "CREATE SCHEMA IF NOT EXISTS ops",
    """CREATE TABLE IF NOT EXISTS ops.publish_log (
        run_id VARCHAR NOT NULL,        -- the Dagster run, or manual-<time> for `pvw publish`
        logged_at TIMESTAMP NOT NULL,
        outcome VARCHAR NOT NULL,       -- published | refused | failed | rolled back
        version VARCHAR,                -- the version file now served (published, rolled back)
        checks_failed VARCHAR,          -- blocking checks that failed, '; '-separated
        checks_warned VARCHAR,          -- warning checks that failed, '; '-separated
        detail VARCHAR                  -- one line: what happened and what to do
    )""",
    """CREATE TABLE IF NOT EXISTS ops.check_results (
        run_id VARCHAR NOT NULL,
        checked_at TIMESTAMP NOT NULL,
        asset VARCHAR NOT NULL,         -- the table checked, e.g. analytics/indicator_values
        check_name VARCHAR NOT NULL,
        check_kind VARCHAR NOT NULL,    -- dbt test | great expectations | ingest | volume
        grade VARCHAR NOT NULL,         -- blocking | warning
        passed BOOLEAN NOT NULL,
        detail VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS ops.published_tables (
        run_id VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL,    -- schema.table in the published database
        row_count BIGINT NOT NULL
    )""",
]


class PublishError(RuntimeError):
    """Publishing was refused or could not complete; the message is one line for the user."""


@dataclass(frozen=True)
class CheckResult:
    asset: str
    check_name: str
    check_kind: str
    grade: str  # blocking | warning
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class Published:
    path: Path
    bytes: int
    version: str
    tables: dict[str, int]  # analytics and marts table -> rows


def history_path(home: Path) -> Path:
    return home / "published" / "history.duckdb"


def versions_dir(home: Path) -> Path:
    return home / "published" / "versions"


@contextlib.contextmanager
def history(home: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path = history_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for ddl in HISTORY_DDL:
            con.execute(ddl)
        yield con
    finally:
        con.close()


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _write_record(
    con: duckdb.DuckDBPyConnection, run_id: str, outcome: str, version: str | None,
    checks: Sequence[CheckResult], detail: str, tables: dict[str, int] | None = None,
    at: datetime | None = None,
) -> None:
    at = at or _now()
    failed = "; ".join(c.check_name for c in checks if not c.passed and c.grade == "blocking")
    warned = "; ".join(c.check_name for c in checks if not c.passed and c.grade == "warning")
    con.execute(
        "INSERT INTO ops.publish_log VALUES (?, ?, ?, ?, ?, ?, ?)",
        [run_id, at, outcome, version, failed or None, warned or None, detail],
    )
    if checks:
        con.executemany(
            "INSERT INTO ops.check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [[run_id, at, c.asset, c.check_name, c.check_kind, c.grade, c.passed, c.detail]
             for c in checks],
        )
    if tables:
        con.executemany("INSERT INTO ops.published_tables VALUES (?, ?, ?)",
                        [[run_id, t, n] for t, n in tables.items()])


def record_refusal(home: Path, run_id: str, outcome: str, checks: Sequence[CheckResult],
                   detail: str) -> None:
    """A run that published nothing: its outcome and its check results go to the history."""
    with history(home) as con:
        _write_record(con, run_id, outcome, None, checks, detail)


def last_run_outcome(home: Path) -> tuple[str, str] | None:
    """(run_id, outcome) of the latest run recorded, rollbacks left aside."""
    if not history_path(home).exists():
        return None
    with history(home) as con:
        row = con.execute(
            "SELECT run_id, outcome FROM ops.publish_log WHERE outcome <> 'rolled back' "
            "ORDER BY logged_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
    return (row[0], row[1]) if row else None


def _table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema IN ('analytics', 'marts') AND table_type = 'BASE TABLE' ORDER BY 1"
    ).fetchall()
    return {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for (name,) in names}


HISTORY_TABLES = ("publish_log", "check_results", "published_tables")

# What the data-sharing dashboard reads: the history, written into the copy being published
# (declared as the dbt source `published`, so lineage shows where they come from).
PUBLISHED_HISTORY = [
    """CREATE OR REPLACE TABLE analytics.publish_log AS
       SELECT run_id, logged_at, outcome, version, checks_failed, checks_warned, detail
       FROM ops.publish_log""",
    """CREATE OR REPLACE TABLE analytics.data_quality_checks AS
       SELECT c.run_id, c.checked_at, c.asset, c.check_name, c.check_kind, c.grade, c.passed,
              CASE WHEN c.passed THEN 'passed'
                   WHEN c.grade = 'blocking' THEN 'failed: blocks publishing'
                   ELSE 'failed: warning' END AS result,
              c.detail,
              c.run_id = (SELECT run_id FROM ops.publish_log
                          ORDER BY logged_at DESC, rowid DESC LIMIT 1) AS is_latest_run
       FROM ops.check_results AS c""",
]


def publish(
    home: Path, run_id: str | None = None, checks: Sequence[CheckResult] = (),
) -> Published:
    """Publish the build database as ``serving.duckdb``, keep it as a version, record it."""
    build, served = warehouse_path(home), serving_path(home)
    if not build.exists():
        raise FileNotFoundError(f"no build database at {build}: run the pipeline first")
    failed = [c for c in checks if not c.passed and c.grade == "blocking"]
    if failed:  # the Dagster job never gets here; a caller passing failures is refused too
        raise PublishError("blocking checks failed: " + "; ".join(c.check_name for c in failed))
    at = _now()
    run_id = run_id or f"manual-{at:%Y%m%dT%H%M%S}"
    version = _version_name(home, run_id)
    detail = _published_detail(checks)
    con = duckdb.connect(str(build))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    staged = served.with_name(served.name + ".next")
    _remove_staged(staged)  # left by a publish that was killed
    shutil.copyfile(build, staged)
    with history(home):
        pass  # created on first use, so the copy can attach it
    copy = duckdb.connect(str(staged))
    try:
        tables = _table_counts(copy)
        # the copy carries the history up to and including itself
        copy.execute("CREATE SCHEMA IF NOT EXISTS ops; CREATE SCHEMA IF NOT EXISTS analytics")
        copy.execute(f"ATTACH '{history_path(home)}' AS hist (READ_ONLY)")
        for table in HISTORY_TABLES:
            copy.execute(f"CREATE OR REPLACE TABLE ops.{table} AS SELECT * FROM hist.ops.{table}")
        copy.execute("DETACH hist")
        _write_record(copy, run_id, "published", version, checks, detail, tables, at)
        for sql in PUBLISHED_HISTORY:
            copy.execute(sql)
        copy.execute("CHECKPOINT")
    finally:
        copy.close()
    _verify(staged, tables)
    _swap_in(staged, served, keep_as=versions_dir(home) / version)
    with history(home) as hist:
        _write_record(hist, run_id, "published", version, checks, detail, tables, at)
    _prune(home)
    return Published(served, served.stat().st_size, version, tables)


def _version_name(home: Path, run_id: str) -> str:
    """A new version's file name: it sorts by time, to the microsecond, and is never one
    already kept (two publishes within the same second each keep their own)."""
    while True:
        name = f"serving-{datetime.now():%Y%m%dT%H%M%S%f}-{run_id[:8]}.duckdb"
        if not (versions_dir(home) / name).exists():
            return name


def _remove_staged(staged: Path) -> None:
    """A publish killed while it wrote into its copy leaves the copy and the copy's WAL: the
    WAL would be replayed into the next copy or, once the build has changed, fail every
    publish."""
    for stale in (staged, staged.with_name(staged.name + ".wal")):
        stale.unlink(missing_ok=True)


def _verify(path: Path, tables: dict[str, int]) -> None:
    """The file opens read-only on its own and holds what was counted."""
    check = duckdb.connect(str(path), read_only=True)
    try:
        got = _table_counts(check)
    finally:
        check.close()
    if {k: got.get(k) for k in tables} != tables:
        raise PublishError(f"{path} does not hold the tables counted before the swap")


def _swap_in(staged: Path, served: Path, keep_as: Path | None = None) -> None:
    if keep_as is not None:
        keep_as.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(staged, keep_as)
    served.with_name(served.name + ".wal").unlink(missing_ok=True)
    os.replace(staged, served)


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)  # one file on disk for the served copy and its kept version
    except OSError:
        shutil.copyfile(src, dst)


def kept_versions(home: Path) -> list[Path]:
    """Published versions kept on disk, oldest first (names sort by time)."""
    return sorted(versions_dir(home).glob("serving-*.duckdb"))


def served_version(home: Path) -> Path | None:
    """The kept version that ``serving.duckdb`` is now, if any."""
    served = serving_path(home)
    if not served.exists():
        return None
    for version in kept_versions(home):
        with contextlib.suppress(OSError):
            if os.path.samefile(version, served):
                return version
    if history_path(home).exists():  # versions copied, not linked: the history knows
        with history(home) as con:
            row = con.execute(
                "SELECT version FROM ops.publish_log WHERE version IS NOT NULL "
                "ORDER BY logged_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
        if row and (versions_dir(home) / row[0]).exists():
            return versions_dir(home) / row[0]
    return None


def _prune(home: Path) -> None:
    current = served_version(home)
    for old in kept_versions(home)[:-KEEP_VERSIONS]:
        if old != current:
            old.unlink(missing_ok=True)


def rollback(home: Path) -> tuple[Path, Path]:
    """Serve the version published before the one served now; returns (from, to)."""
    served = serving_path(home)
    versions = kept_versions(home)
    current = served_version(home)
    if current is None or current not in versions:
        raise PublishError(
            f"the served database is not one of the kept versions in {versions_dir(home)}: "
            "nothing to roll back to")
    index = versions.index(current)
    if index == 0:
        raise PublishError(f"no version older than {current.name} is kept to roll back to")
    target = versions[index - 1]
    staged = served.with_name(served.name + ".next")
    _remove_staged(staged)
    _link_or_copy(target, staged)
    _verify(staged, {})
    _swap_in(staged, served)
    with history(home) as con:
        _write_record(con, f"rollback-{_now():%Y%m%dT%H%M%S}", "rolled back", target.name, (),
                      f"rolled back from {current.name} to {target.name}")
    return current, target


def _published_detail(checks: Iterable[CheckResult]) -> str:
    warned = [c.check_name for c in checks if not c.passed]
    if warned:
        return f"published with {len(warned)} warning(s): {'; '.join(warned)}"
    return "published: every check passed"
