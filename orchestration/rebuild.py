"""``pvw rebuild``: the warehouse rebuilt from the landing files alone.

Landing files are the record: the pipeline never modifies or deletes them, and every file it
loads is logged in ``ops.load_log`` with its SHA-256. A rebuild proves that nothing lives only
in the build database: it sets the build database aside, runs the whole job (load every
landing file, dbt build, checks) on an empty one, and publishes only if every blocking check
passes, exactly as ``pvw run`` does. docs/rebuild.md says what is kept and what is not.

Under the run lock for the whole rebuild (no ``pvw run`` can start in between):

1. refuse, before touching anything, when a file the current build loaded is no longer in the
   landing folder (its rows would be lost), unless ``allow_missing``;
2. move ``warehouse.duckdb`` (and its ``.wal``) to ``warehouse.duckdb.before-rebuild``;
3. run the job on an empty build database;
4. published: delete the file set aside. Not published (a check failed, a step failed, an
   interruption): delete the new build database, move the old one back; ``serving.duckdb``
   was never touched, since only a run whose checks pass publishes.

A rebuild killed between 2 and 4 leaves ``warehouse.duckdb.before-rebuild``; the next
rebuild keeps that file as the one to restore (it is the last build from before any
rebuild began) and discards the half-built database.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.loader import sha256_of
from orchestration.run import PipelineError, RunOutcome, run_lock, run_pipeline
from orchestration.settings import landing_dir, warehouse_path

ASIDE_SUFFIX = ".before-rebuild"


class RebuildError(PipelineError):
    """A rebuild that published nothing; the message is one line for the user."""


@dataclass
class Rebuilt:
    run: RunOutcome
    landing: Path
    files: int  # files in the landing folder
    seconds: float  # the whole rebuild, lock to clean-up


def aside_path(home: Path) -> Path:
    build = warehouse_path(home)
    return build.with_name(build.name + ASIDE_SUFFIX)


def _wal(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def _move_db(src: Path, dst: Path) -> None:
    """Move a DuckDB file and its write-ahead log (if any) together."""
    _remove_db(dst)
    if _wal(src).exists():
        os.replace(_wal(src), _wal(dst))
    os.replace(src, dst)


def _remove_db(db: Path) -> None:
    db.unlink(missing_ok=True)
    _wal(db).unlink(missing_ok=True)


def landing_files(landing: Path) -> list[Path]:
    """Every file under the landing folder (hidden files and folders left aside)."""
    return sorted(
        p for p in landing.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(landing).parts)
    )


def files_not_in_landing(build: Path, landing: Path) -> list[str]:
    """Files whose rows the build database holds (status loaded) whose content (SHA-256) is
    in no file of the landing folder, under any name: a rebuild would lose their rows. (A
    superseded file's rows were withdrawn already: its absence changes nothing.)"""
    if not build.exists():
        return []
    con = duckdb.connect(str(build), read_only=True)
    try:
        has_log = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'ops' AND table_name = 'load_log'"
        ).fetchall()[0][0]
        loaded = con.execute(
            "SELECT sha256, min(file) FROM ops.load_log "
            "WHERE status = 'loaded' GROUP BY sha256 ORDER BY 2"
        ).fetchall() if has_log else []
    finally:
        con.close()
    if not loaded:
        return []
    present = {sha256_of(p) for p in landing_files(landing)}
    return [file for sha, file in loaded if sha not in present]


def rebuild(
    home: Path,
    landing: Path | None = None,
    say: Callable[[str], None] = print,
    allow_missing: bool = False,
) -> Rebuilt:
    """Rebuild the build database from the landing files alone; publish if every check passes.

    Raises :class:`RebuildError` (the old build database restored, serving untouched) when
    the rebuild publishes nothing.
    """
    started = time.monotonic()
    source = (landing or landing_dir(home)).resolve()
    if not source.is_dir():
        raise RebuildError(f"no landing folder at {source}: nothing to rebuild from")
    files = landing_files(source)
    if not files:
        raise RebuildError(f"the landing folder {source} holds no files: nothing to rebuild from")
    build, aside = warehouse_path(home), aside_path(home)
    with run_lock(home):
        interrupted = aside.exists()
        if interrupted:
            say(f"Found {aside.name} from an interrupted rebuild: it stays the database to "
                "restore, and the half-built one is discarded.")
        old = aside if interrupted else build
        say(f"Checking that every file the warehouse loaded is still in {source}…")
        try:
            missing = files_not_in_landing(old, source)
        except duckdb.Error as exc:  # a damaged build database is a reason to rebuild
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            say(f"warning: cannot read the load log of {old.name} ({first}): "
                "rebuilding without that check")
            missing = []
        if missing and not allow_missing:
            shown = ", ".join(Path(f).name for f in missing[:3])
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            raise RebuildError(
                f"{len(missing)} file(s) the warehouse loaded are not in {source} "
                f"({shown}{more}): a rebuild would lose their rows; put them back, pass "
                "--landing, or --allow-missing to rebuild without them"
            )
        for file in missing:
            say(f"  not in the landing folder, its rows will be gone: {file}")
        if interrupted:
            _remove_db(build)
        elif build.exists():
            _move_db(build, aside)
            say(f"Set the build database aside as {aside.name}.")
        say(f"Rebuilding from the {len(files)} files in {source}…")
        outcome: RunOutcome | None = None
        try:
            outcome = run_pipeline(home, landing, say=say)  # the lock is re-entrant
        finally:
            if outcome is None or not outcome.published:
                _remove_db(build)
                if aside.exists():
                    _move_db(aside, build)
                    say("Restored the build database from before the rebuild; "
                        "serving.duckdb is unchanged.")
        if not outcome.published:
            raise RebuildError(not_published_message(outcome))
        _remove_db(aside)
    if not outcome.success:  # published, but a step after publishing failed
        say("warning: published, but some steps failed: " + "; ".join(outcome.failed_steps))
    return Rebuilt(outcome, source, len(files), time.monotonic() - started)


def not_published_message(outcome: RunOutcome) -> str:
    causes = outcome.failed_checks + outcome.failed_steps
    return (
        "rebuild published nothing: "
        + ("; ".join(causes) if causes else "the run did not complete")
        + f" (Dagster run {outcome.run_id}); the previous build database was restored and "
        "serving.duckdb is unchanged"
    )
