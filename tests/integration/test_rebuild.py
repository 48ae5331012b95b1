"""Nothing lost: `pvw rebuild` rebuilds the warehouse from the landing files alone and
reproduces the same published figures; the pipeline never modifies or deletes a landing file.

The real rebuild of the published demo runs while the dashboards are under load, in
tests/browser/test_refresh_under_load.py (one full run proves both). The tests here drive
:func:`orchestration.rebuild.rebuild` with a stand-in for the job, to prove what happens to
the build and serving databases when a rebuild fails, and that the run lock is held
throughout.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration import rebuild as rb
from orchestration import run as run_module
from orchestration.run import RunOutcome
from orchestration.settings import serving_path, warehouse_path
from tests.conftest import run_pvw

pytestmark = pytest.mark.integration

# ---- what a rebuild does around the job, with a stand-in for it (seconds, not minutes) ----

def _fake_home(tmp_path: Path) -> Path:
    """A home with one landing file, a build database that loaded it, and a served file."""
    home = tmp_path / "home"
    extract = home / "landing" / "police_crimes" / "e23000003_2024-03.csv"
    extract.parent.mkdir(parents=True)
    extract.write_text("crime_reference\nR/1\n")
    build = duckdb.connect(str(warehouse_path(home)))
    build.execute("CREATE SCHEMA ops")
    build.execute("CREATE TABLE ops.load_log AS SELECT ? AS file, 'police_crimes' AS source, "
                  "? AS sha256, 'loaded' AS status",
                  [str(extract), hashlib.sha256(extract.read_bytes()).hexdigest()])
    build.close()
    serving_path(home).write_bytes(b"the served database")
    return home


def _leave_wal(db: Path) -> None:
    """Write a row and stop without a checkpoint, as a killed run does: a .wal is left."""
    code = (
        "import duckdb, os, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute(\"SET checkpoint_threshold = '1GB'\")\n"
        "con.execute(\"CREATE TABLE ops.written_after_checkpoint AS SELECT 42 AS answer\")\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db)], check=True)
    assert db.with_name(db.name + ".wal").exists()


def _answer(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT answer FROM ops.written_after_checkpoint").fetchall()[0][0]
    finally:
        con.close()


def _lock_is_held(home: Path) -> bool:
    """Whether another process would be refused the run lock."""
    probe = (
        "import fcntl, sys\n"
        "fh = open(sys.argv[1], 'w')\n"
        "try:\n    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except BlockingIOError:\n    sys.exit(3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe, str(home / ".run.lock")], check=False)
    return proc.returncode == 3


def _outcome(published: bool) -> RunOutcome:
    return RunOutcome(run_id="fake-run", success=published, published=published,
                      failed_checks=[] if published else ["analytics/indicator_values:ge"])


def test_a_failed_rebuild_restores_the_build_and_leaves_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _fake_home(tmp_path)
    _leave_wal(warehouse_path(home))  # the last run was killed: its log moves with it
    seen: dict[str, object] = {}

    def failing_job(h: Path, landing: Path | None, say=print) -> RunOutcome:
        with run_module.run_lock(h):  # as run_pipeline does: the rebuild's lock lets it in
            seen["lock_held"] = _lock_is_held(h)
            seen["build_at_start"] = warehouse_path(h).exists()
            aside = rb.aside_path(h)
            seen["aside"] = [aside.exists(), aside.with_name(aside.name + ".wal").exists()]
            warehouse_path(h).write_bytes(b"half built")
        return _outcome(published=False)

    monkeypatch.setattr(rb, "run_pipeline", failing_job)
    with pytest.raises(rb.RebuildError, match="rebuild published nothing: analytics/"):
        rb.rebuild(home, say=lambda s: None)
    assert seen == {"lock_held": True, "build_at_start": False, "aside": [True, True]}
    assert _answer(warehouse_path(home)) == 42  # restored whole, with its write-ahead log
    assert serving_path(home).read_bytes() == b"the served database"
    assert not list(home.glob("*.before-rebuild*"))
    assert not _lock_is_held(home)


def test_an_interrupted_rebuild_restores_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _fake_home(tmp_path)
    build_bytes = warehouse_path(home).read_bytes()

    def interrupted_job(h: Path, landing: Path | None, say=print) -> RunOutcome:
        warehouse_path(h).write_bytes(b"half built")
        raise KeyboardInterrupt

    monkeypatch.setattr(rb, "run_pipeline", interrupted_job)
    with pytest.raises(KeyboardInterrupt):
        rb.rebuild(home, say=lambda s: None)
    assert warehouse_path(home).read_bytes() == build_bytes
    assert not rb.aside_path(home).exists()

    # a rebuild killed outright leaves the old build aside: the next one restores that one
    os.replace(warehouse_path(home), rb.aside_path(home))
    warehouse_path(home).write_bytes(b"half built by the killed rebuild")
    monkeypatch.setattr(rb, "run_pipeline", lambda h, landing, say=print: _outcome(False))
    said: list[str] = []
    with pytest.raises(rb.RebuildError):
        rb.rebuild(home, say=said.append)
    assert any("from an interrupted rebuild" in s for s in said)
    assert warehouse_path(home).read_bytes() == build_bytes


def test_a_good_rebuild_drops_the_old_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _fake_home(tmp_path)

    def good_job(h: Path, landing: Path | None, say=print) -> RunOutcome:
        warehouse_path(h).write_bytes(b"rebuilt")
        return _outcome(published=True)

    monkeypatch.setattr(rb, "run_pipeline", good_job)
    said: list[str] = []
    done = rb.rebuild(home, say=said.append)
    assert done.files == 1 and done.run.published
    assert warehouse_path(home).read_bytes() == b"rebuilt"
    assert serving_path(home).read_bytes() == b"the served database"  # the job publishes
    assert not list(home.glob("*.before-rebuild*"))
    assert said[-1].startswith("Rebuilding from the 1 files in ")


def test_a_damaged_build_database_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _fake_home(tmp_path)
    warehouse_path(home).write_bytes(b"not a database any more")
    monkeypatch.setattr(rb, "run_pipeline", lambda h, landing, say=print: _outcome(True))
    said: list[str] = []
    rb.rebuild(home, say=said.append)
    assert any(s.startswith("warning: cannot read the load log of warehouse.duckdb")
               for s in said), said
    assert not list(home.glob("*.before-rebuild*"))


def test_rebuild_refuses_when_a_loaded_file_is_gone(tmp_path: Path) -> None:
    home = _fake_home(tmp_path)
    (home / "landing" / "police_crimes" / "e23000003_2024-03.csv").write_text("changed\n")
    build_bytes = warehouse_path(home).read_bytes()

    proc = run_pvw(home, "rebuild", check=False)

    assert proc.returncode == 1
    assert proc.stderr.strip().startswith(
        "pvw: error: 1 file(s) the warehouse loaded are not in "), proc.stderr
    assert "--allow-missing" in proc.stderr
    assert warehouse_path(home).read_bytes() == build_bytes
    assert not rb.aside_path(home).exists()


def test_rebuild_refuses_while_a_run_holds_the_lock(tmp_path: Path) -> None:
    home = _fake_home(tmp_path)
    with (home / ".run.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = run_pvw(home, "rebuild", check=False)
    assert proc.returncode == 1
    assert "another pvw run is using" in proc.stderr
    assert warehouse_path(home).exists() and not rb.aside_path(home).exists()
