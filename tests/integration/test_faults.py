"""Faults, each proven by a test (issue 6; docs/faults.md says what the user sees and why the
design survives each one).

Real processes on real files: the ``pvw`` console script on a copy of the session's published
home, killed with SIGKILL at chosen moments, starved of disk with RLIMIT_FSIZE, or started
twice at once. The tests share one copied home and run in file order, as the faults would come
one after another in a real partnership's month: each checks that the served database is
intact after its fault, and the last one that the next run after all of them completes and
publishes the same figures.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.loader import sha256_of
from tests.conftest import PVW, REPO, run_pvw

pytestmark = pytest.mark.integration

# tables whose content is the record of publishing itself, not the figures
PUBLISHING_RECORD = re.compile(r"publish|quality_check")


# ---------------------------------------------------------------------------------- helpers

def _bulk_extract_logged(home: Path) -> int:
    """Rows of ops.load_log for the large extract the fault tests load (0: never recorded)."""
    with _warehouse(home) as con:
        return con.execute("SELECT count(*) FROM ops.load_log WHERE file LIKE "
                           "'%faults_bulk%'").fetchone()[0]


def served_figures(home: Path) -> dict[str, object]:
    """Open the served database as Superset does (read-only) and fingerprint what it serves:
    the row count of every analytics table and a hash of every indicator value."""
    serving = home / "serving.duckdb"
    assert not serving.with_name("serving.duckdb.wal").exists(), "a stale serving WAL"
    with duckdb.connect(str(serving), read_only=True) as con:
        names = [n for (n,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'analytics' ORDER BY 1").fetchall()
            if not PUBLISHING_RECORD.search(n)]
        rows = {n: con.execute(f'SELECT count(*) FROM analytics."{n}"').fetchone()[0]
                for n in names}
        values = con.execute(
            "SELECT bit_xor(hash(v)) FROM analytics.indicator_values v").fetchone()[0]
    assert rows.get("indicator_values", 0) > 1000
    return {"rows": rows, "indicator_values": values}


def _proc_stat(pid: str, task: str | None = None) -> tuple[str, int] | None:
    """(state, session id) of a process (or one of its threads), None if it is gone."""
    where = f"/proc/{pid}/task/{task}/stat" if task else f"/proc/{pid}/stat"
    try:
        text = Path(where).read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[3])


def _exited(pid: str) -> bool:
    """Every thread has exited: a process whose main thread is a zombie may still have
    threads closing its files (and releasing DuckDB's lock)."""
    try:
        tasks = [t.name for t in Path(f"/proc/{pid}/task").iterdir()]
    except OSError:
        return True
    return all((_proc_stat(pid, t) or ("X", 0))[0] in "ZX" for t in tasks)


def session_processes(sid: int) -> list[int]:
    """Live processes of a session: a run and every child it started."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(entry.name)
            if stat and stat[1] == sid and not _exited(entry.name):
                found.append(int(entry.name))
    return found


def open_files(pid: int) -> set[str]:
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return set()
    names = set()
    for fd in fds:
        with contextlib.suppress(OSError):  # closed meanwhile
            names.add(os.readlink(fd))
    return names


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def dbt_holding(sid: int, database: str) -> list[int]:
    """The `dbt build` processes of a run (its session) that have the build database open."""
    return [p for p in session_processes(sid)
            if " build" in _cmdline(p) and database in open_files(p)]


def _until(condition: Callable[[], bool], timeout: float, what: str,
           step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(step)


class Live:
    """A ``pvw`` command running in its own session, its output read as it comes."""

    def __init__(self, home: Path, *args: str, preexec_fn: Callable[[], None] | None = None):
        self.home = home
        self.started = time.time()
        self.proc = subprocess.Popen(
            [str(PVW), *args],
            env={**os.environ, "PVW_HOME": str(home), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
            start_new_session=True, preexec_fn=preexec_fn,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(s, b), daemon=True)
                         for s, b in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def running(self) -> bool:
        return self.proc.poll() is None

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        def met() -> bool:
            if condition():
                return True
            if not self.running():
                self.finish()
                raise AssertionError(f"pvw exited {self.proc.returncode} before {what}\n"
                                     f"{self.stdout[-3000:]}\n{self.stderr[-3000:]}")
            return False
        _until(met, timeout, what)

    def kill(self) -> None:
        """SIGKILL the pvw process itself (not its children): as `kill -9 <pid>` or the
        kernel's OOM killer would."""
        os.kill(self.pid, signal.SIGKILL)
        self.finish()

    def finish(self, timeout: float | None = None) -> int:
        code = self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=10)
        return code


def _one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("pvw: error: "), stderr
    print("the user sees:", lines[0])
    return lines[0]


def _disk_limit(limit: int) -> Callable[[], None]:
    """In the child: files may not grow past ``limit`` bytes, as on a full disk (the write
    fails with EFBIG instead of the process being killed by SIGXFSZ)."""
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return apply


def _warehouse(home: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)


def _build_everything_next(home: Path) -> None:
    """Take the last build's stamp (ops.dbt_last_build): the next run's dbt rebuilds every
    model. With nothing new loaded it would rebuild nothing (orchestration/build_scope.py),
    and the faults below need dbt writing the build database."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("DELETE FROM ops.dbt_last_build")


def _raw_police_rows(home: Path) -> int:
    with _warehouse(home) as con:
        return con.execute("SELECT count(*) FROM raw.police_crimes").fetchone()[0]


# --------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def home(published_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the published home that every fault below is inflicted on, in turn."""
    copy = tmp_path_factory.mktemp("faults") / "home"
    shutil.copytree(published_home, copy)
    return copy


@pytest.fixture(scope="module")
def figures(home: Path) -> dict[str, object]:
    """What the home served before any fault."""
    return served_figures(home)


def _bulk_landing(landing: Path, home: Path, copies: int) -> Path:
    """A landing folder with one large, valid police extract that nothing else holds:
    ``copies`` times the demo's crimes under new references."""
    (landing / "police_crimes").mkdir(parents=True)
    target = landing / "police_crimes" / "faults_bulk_2024-03.csv"
    with duckdb.connect() as con:
        con.execute(f"""
            COPY (
                SELECT * EXCLUDE (k) REPLACE ('FAULTS/' || k || '/' || crime_reference
                                              AS crime_reference)
                FROM read_csv('{home}/landing/police_crimes/*.csv', all_varchar = true),
                     range({copies}) t(k)
            ) TO '{target}' (HEADER)
        """)
    return landing


@pytest.fixture(scope="module")
def bulk_landing(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three times the demo's police crimes in one extract: a load of several seconds."""
    return _bulk_landing(tmp_path_factory.mktemp("bulk") / "landing", home, 3)


@pytest.fixture(scope="module")
def empty_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Nothing new to load: the run goes straight to dbt (which rebuilds only what changed:
    nothing, unless the stamp was taken), the checks and publishing."""
    return tmp_path_factory.mktemp("empty_landing")


# ------------------------------------------------------------------------- killed publishing

def _served_inode(home: Path) -> int:
    return (home / "serving.duckdb").stat().st_ino


def _a_run_changes_the_build(home: Path) -> None:
    """What the next run does to the build database before it publishes: write and
    checkpoint (a new checkpoint iteration), with no effect on the figures."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("CREATE OR REPLACE TABLE main.faults_touched AS SELECT 1 AS x")
        con.execute("CHECKPOINT")
        con.execute("DROP TABLE main.faults_touched")
        con.execute("CHECKPOINT")


def test_a_publish_killed_at_any_moment_leaves_serving_readable(
    home: Path, figures: dict[str, object]
) -> None:
    """`pvw publish` SIGKILLed at each step of the swap (copy begun, copy whole, copy being
    written, its WAL holding writes, kept as a version, swapped) and at fractions of its
    duration: every time serving.duckdb opens read-only with the same figures and no stale
    WAL, whatever staged files the kill left; the build then changes, as the next run changes
    it, and every later publish still succeeds and leaves no staged file behind."""
    served = home / "serving.duckdb"
    staged = home / "serving.duckdb.next"
    staged_wal = home / "serving.duckdb.next.wal"
    build_size = (home / "warehouse.duckdb").stat().st_size
    began = time.monotonic()
    run_pvw(home, "publish")
    whole = time.monotonic() - began
    assert served_figures(home) == figures

    def versions() -> int:
        return len(list((home / "published").glob("versions/*.duckdb")))

    def fresh(path: Path, at: dict) -> bool:  # written by this attempt, not left by another
        try:
            return path.stat().st_mtime > at["wall"] and path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def wal_written_for_10ms(at: dict) -> bool:
        if "wal seen" not in at and fresh(staged_wal, at):
            at["wal seen"] = time.monotonic()
        return "wal seen" in at and time.monotonic() - at["wal seen"] > 0.01

    moments: dict[str, Callable[[dict], bool]] = {
        "the copy has begun": lambda at: fresh(staged, at),
        "the copy is whole": lambda at: fresh(staged, at)
        and staged.stat().st_size >= build_size,
        "the copy is being written": lambda at: fresh(staged_wal, at),
        "the copy's WAL holds writes": wal_written_for_10ms,
        "a version is kept": lambda at: versions() > at["versions"],
        "the swap is done": lambda at: served.exists() and _served_inode(home) != at["inode"],
        **{f"{share:.0%} of a publish": (
            lambda at, share=share: time.monotonic() - at["monotonic"] > share * whole)
           for share in (0.75, 0.85, 0.9, 0.95, 0.98)},
    }
    left = {}
    for what, moment in moments.items():
        at = {"wall": time.time(), "monotonic": time.monotonic(), "versions": versions(),
              "inode": _served_inode(home)}
        live = Live(home, "publish")
        try:
            _until(lambda m=moment, a=at, p=live: m(a) or not p.running(), 120, what,
                   step=0.001)
        finally:
            if live.running():
                live.kill()
            else:
                live.finish()
        killed = live.proc.returncode == -signal.SIGKILL
        left[what] = (killed, sorted(p.name for p in home.glob("serving.duckdb*")))
        assert live.proc.returncode in (0, -signal.SIGKILL), (what, left, live.stderr)
        assert served_figures(home) == figures, what
        if what == "the copy's WAL holds writes":
            _a_run_changes_the_build(home)
    print("killed at / files left:", left)
    assert sum(killed for killed, _ in left.values()) >= 5, left

    proc = run_pvw(home, "publish")
    assert "Published" in proc.stdout
    assert sorted(p.name for p in home.glob("serving.duckdb*")) == ["serving.duckdb"], left
    assert served_figures(home) == figures


def test_a_disk_that_fills_during_publish_leaves_serving_as_it_was(
    home: Path, figures: dict[str, object]
) -> None:
    """The copy beside the served file cannot be finished: one line, exit 1, the served
    file untouched; the half-written copy breaks nothing and the next publish succeeds."""
    before = sha256_of(home / "serving.duckdb")
    limit = (home / "warehouse.duckdb").stat().st_size // 2
    live = Live(home, "publish", preexec_fn=_disk_limit(limit))
    assert live.finish(timeout=300) == 1
    line = _one_line_error(live.stderr)
    assert "File too large" in line, line
    assert sha256_of(home / "serving.duckdb") == before
    assert served_figures(home) == figures

    run_pvw(home, "publish")
    assert sorted(p.name for p in home.glob("serving.duckdb*")) == ["serving.duckdb"]
    assert served_figures(home) == figures


# -------------------------------------------------------------------- a disk that fills up

def test_a_disk_that_fills_during_a_load_stops_the_run_with_one_line(
    home: Path, tmp_path: Path, figures: dict[str, object]
) -> None:
    """The build database may not grow by more than 1 MiB while a large extract loads: the
    run fails with one line saying the build database could not be written, nothing is
    published, and the extract is neither half-loaded nor recorded as rejected (it is the
    disk's fault, not the agency's)."""
    before = sha256_of(home / "serving.duckdb")
    raw_rows = _raw_police_rows(home)
    with _warehouse(home) as con:  # the load fills free blocks inside the file first
        _, _, block_size, _, _, free_blocks, *_ = con.execute(
            "PRAGMA database_size").fetchone()
    # the demo's police crimes take about 5 MiB in the build: more than the room there is
    copies = max(2, -(-(free_blocks * block_size + (8 << 20)) // (3 << 20)))
    landing = _bulk_landing(tmp_path / "landing", home, copies)
    limit = (home / "warehouse.duckdb").stat().st_size + (1 << 20)
    live = Live(home, "run", "--landing", str(landing), preexec_fn=_disk_limit(limit))
    assert live.finish(timeout=900) == 1, live.stdout
    line = _one_line_error(live.stderr)
    assert line.startswith("pvw: error: nothing published: police_crimes: "), line
    assert "faults_bulk_2024-03.csv: the build database could not be written" in line, line
    assert "File too large" in line and "is the disk full?" in line, line
    assert sha256_of(home / "serving.duckdb") == before
    assert served_figures(home) == figures
    assert _raw_police_rows(home) == raw_rows
    assert _bulk_extract_logged(home) == 0


# ------------------------------------------------------------------------------ killed runs

def test_a_run_killed_during_a_load_leaves_serving_intact(
    home: Path, bulk_landing: Path, figures: dict[str, object]
) -> None:
    """SIGKILL while DuckDB inserts a large extract's rows into the build database (they
    are written to the file before the transaction commits): nothing of it is kept in the
    build afterwards, and serving is untouched."""
    before = sha256_of(home / "serving.duckdb")
    raw_rows = _raw_police_rows(home)
    warehouse = home / "warehouse.duckdb"
    bulk = os.path.realpath(bulk_landing / "police_crimes" / "faults_bulk_2024-03.csv")
    live = Live(home, "run", "--landing", str(bulk_landing))
    opened: list[int] = []

    def inserting() -> bool:
        if not opened:  # the load has the extract open: hashing it, checking it, reading it
            if "▶ police_crimes" in live.stdout and bulk in open_files(live.pid):
                opened.append(warehouse.stat().st_mtime_ns)
            return False
        # nothing else writes the build during a load: DuckDB is inserting its rows
        return warehouse.stat().st_mtime_ns != opened[0] or "✔ police_crimes" in live.stdout

    live.wait_for(inserting, 600, "the load to write the extract's rows into the build")
    live.kill()
    assert "✔ police_crimes" not in live.stdout

    assert sha256_of(home / "serving.duckdb") == before
    assert served_figures(home) == figures
    assert _raw_police_rows(home) == raw_rows
    assert _bulk_extract_logged(home) == 0


def test_a_run_killed_during_dbt_leaves_serving_intact(
    home: Path, empty_landing: Path, figures: dict[str, object]
) -> None:
    """SIGKILL of `pvw run` once dbt has committed rebuilt tables into the build database,
    then of the dbt process it leaves behind: serving is untouched throughout, and nothing
    holds the build database afterwards."""
    before = sha256_of(home / "serving.duckdb")
    warehouse = os.path.realpath(home / "warehouse.duckdb")
    wal = home / "warehouse.duckdb.wal"
    _build_everything_next(home)
    live = Live(home, "run", "--landing", str(empty_landing))
    dbt: dict[str, object] = {}

    def dbt_writing() -> bool:
        if not dbt:
            pids = dbt_holding(live.pid, warehouse)
            if pids:
                dbt.update(pids=pids, since=time.monotonic())
            return False
        # seeds and models committed (or, failing that, written for a few seconds)
        return (wal.exists() and wal.stat().st_size > (1 << 20)) or (
            time.monotonic() - dbt["since"] > 5
            and os.stat(warehouse).st_mtime > time.time() - 5)

    live.wait_for(dbt_writing, 600, "dbt to commit rebuilt tables into the build database")
    live.kill()
    assert sha256_of(home / "serving.duckdb") == before
    assert served_figures(home) == figures

    # dbt, orphaned, carries on writing the build database (it does not notice its parent is
    # gone); docs/faults.md says what that means for the next run. Kill it mid-write too.
    time.sleep(2)
    orphans = session_processes(live.pid)
    print(f"dbt {dbt['pids']} orphaned; still alive 2s after pvw was killed: {orphans}")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(live.pid, signal.SIGKILL)
    _until(lambda: not session_processes(live.pid), 60, "the killed run's processes to exit")
    assert sha256_of(home / "serving.duckdb") == before
    with _warehouse(home) as con:  # opens: no process holds it, its WAL replays
        assert con.execute("SELECT count(*) FROM raw.police_crimes").fetchone()[0] > 0


# ----------------------------------------------------------------------------- two at once

def _dagster_runs(home: Path) -> int:
    from dagster import DagsterInstance

    instance = DagsterInstance.from_config(str(home / "dagster"))
    try:
        return len(instance.get_runs())
    finally:
        instance.dispose()


def test_two_runs_at_once_one_refuses_and_the_next_run_completes(
    home: Path, figures: dict[str, object]
) -> None:
    """Two `pvw run` started together: one refuses at once with the lock message while the
    other completes and publishes. While it writes the build, a third run and a publish are
    refused too, and no process but the running one ever opens the build database. Being
    the first run to complete after every fault above, it publishes the same figures and
    leaves no staged or WAL file beside serving.duckdb."""
    warehouse = os.path.realpath(home / "warehouse.duckdb")
    runs_before = _dagster_runs(home)
    logs_before = set((home / "logs").glob("*.log"))
    openers: dict[int, set[int]] = {}  # session -> pids seen holding the build database
    watching = {"on": True}
    sessions: set[int] = set()

    def watch() -> None:
        while watching["on"]:
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                stat = _proc_stat(entry.name)
                if stat and stat[1] in sessions and warehouse in open_files(int(entry.name)):
                    openers.setdefault(stat[1], set()).add(int(entry.name))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    _build_everything_next(home)  # (the run killed during dbt already took it; not relied on)
    first, second = Live(home, "run"), Live(home, "run")
    sessions.update({first.pid, second.pid})
    watcher.start()
    try:
        _until(lambda: not (first.running() and second.running()), 300,
               "one of the two runs to refuse")
        loser, winner = (first, second) if not first.running() else (second, first)
        assert loser.finish() == 1
        line = _one_line_error(loser.stderr)
        assert line == (f"pvw: error: another pvw run is using {home.resolve()} "
                        f"(lock {home.resolve() / '.run.lock'}); wait for it to finish"), line
        assert winner.running(), "the refusal came only after the other run had finished"

        # while the winner's dbt rewrites the build, a third run and a publish refuse too
        winner.wait_for(lambda: bool(dbt_holding(winner.pid, warehouse)), 900,
                        "dbt to start rebuilding the build")
        third, publish = Live(home, "run"), Live(home, "publish")
        sessions.update({third.pid, publish.pid})
        for refused in (third, publish):
            assert refused.finish(timeout=300) == 1, refused.stdout
            assert "another pvw run is using" in _one_line_error(refused.stderr)
        assert winner.running()

        assert winner.finish(timeout=1200) == 0, winner.stdout[-3000:] + winner.stderr
    finally:
        watching["on"] = False
        for live in (first, second):
            if live.running():
                live.kill()
    watcher.join(timeout=30)
    assert "Published" in winner.stdout
    assert set(openers) == {winner.pid}, openers
    assert len(set((home / "logs").glob("*.log")) - logs_before) == 1
    assert _dagster_runs(home) == runs_before + 1
    assert sorted(p.name for p in home.glob("serving.duckdb*")) == ["serving.duckdb"]
    assert served_figures(home) == figures


# ----------------------------------------------------------- a file still being written

WRITER = """
import sys, time
path, header, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "w") as fh:
    fh.write(header + "\\n")
    fh.flush()
    for i in range(rows):
        fh.write(f"E23000003/202404/{i:06d},E23000003,2024-04-02,2024-04-01 23:30,VAP,"
                 "VAP_VWI,8N,E01025308,street,N,Y,N,24,M,no_suspect\\n")
        if i % 50 == 49:
            fh.flush()
            time.sleep(0.005)
"""


def test_a_landing_file_written_during_loads_is_never_half_loaded(tmp_path: Path) -> None:
    """A separate process writes an extract slowly while the loader runs again and again on
    the same folder: every load while it writes is skipped (nothing kept, nothing logged),
    and the first load after it has finished loads the whole file once."""
    from orchestration.contracts import POLICE_CRIMES
    from orchestration.ingest import ingest_source

    landing = tmp_path / "landing"
    (landing / "police_crimes").mkdir(parents=True)
    path = landing / "police_crimes" / "E23000003_2024-04.csv"
    rows = 20_000
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    now = datetime(2024, 6, 1, 12, 0)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path),
                               ",".join(POLICE_CRIMES.column_names), str(rows)])
    seen: list[tuple[str, int]] = []
    try:
        _until(path.exists, 30, "the writer to create the file", step=0.001)
        while writer.poll() is None:
            for result in ingest_source(con, POLICE_CRIMES, landing, now=now):
                seen.append((result.status, result.rows_read))
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    [final] = ingest_source(con, POLICE_CRIMES, landing, now=now)
    print(f"{len(seen)} loads while the file was written: "
          f"{sorted({s for s, _ in seen})}, then {final.status} {final.rows_loaded} rows")

    assert ("skipped", 0) in seen
    assert {status for status, _ in seen} <= {"skipped", "rejected", "loaded"}
    # a load that happened to see no write at all is superseded by the whole file
    assert final.status in {"loaded", "unchanged"}
    assert con.execute("SELECT count(*), count(DISTINCT crime_reference) FROM "
                       "raw.police_crimes").fetchone() == (rows, rows)
    assert con.execute("SELECT status, rows_read, rows_loaded FROM ops.load_log "
                       "WHERE status = 'loaded'").fetchall() == [("loaded", rows, rows)]
    assert con.execute("SELECT count(*) FROM ops.quarantine WHERE sha256 IN (SELECT sha256 "
                       "FROM ops.load_log WHERE status = 'loaded')").fetchone()[0] == 0
