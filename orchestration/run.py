"""Running the Dagster job in-process, recorded in the Dagster instance under ``$PVW_HOME``.

``pvw run`` and the tests call :func:`run_pipeline`; the Dagster UI launches the same job.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR, dagster_home, dbt_target

DAGSTER_YAML = """# Written by pvw (orchestration/run.py, prepare_instance): the local instance.
telemetry:
  enabled: false
run_queue:
  max_concurrent_runs: 1  # one run writes the build database at a time
# Dagster's SQLite storages in Dagster's default folders; the event log keeps its connections
# open between events (orchestration/dagster_storage.py)
run_storage:
  module: dagster._core.storage.runs
  class: SqliteRunStorage
  config:
    base_dir: {history}
event_log_storage:
  module: orchestration.dagster_storage
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {event_logs}
schedule_storage:
  module: dagster._core.storage.schedules
  class: SqliteScheduleStorage
  config:
    base_dir: {schedules}
"""


class PipelineError(RuntimeError):
    """A run that could not complete; the message is one line for the user."""


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    published: bool
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # checks that failed as warnings
    materialized: list[str] = field(default_factory=list)
    seconds: float = 0.0


def prepare_instance(home: Path) -> Path:
    """Point Dagster at ``$PVW_HOME/dagster`` (created on first use)."""
    dh = dagster_home(home)
    dh.mkdir(parents=True, exist_ok=True)
    config = dh / "dagster.yaml"
    text = DAGSTER_YAML.format(history=json.dumps(str(dh / "history")),
                               event_logs=json.dumps(str(dh / "history" / "runs")),
                               schedules=json.dumps(str(dh / "schedules")))
    if not config.exists() or config.read_text() != text:  # pvw's own: rewritten if moved
        config.write_text(text)
    os.environ["DAGSTER_HOME"] = str(dh)
    os.environ["PVW_HOME"] = str(home)
    return dh


def project_fingerprint() -> str:
    """What dbt's manifest is made from: the content of every file of the dbt project and its
    seeds, the dbt target, and the dbt version (the home's path is not in the manifest)."""
    import hashlib
    from importlib.metadata import version

    digest = hashlib.sha256(
        f"{version('dbt-core')}\0--target {dbt_target()}".encode())
    files = [DBT_PROJECT_DIR / "dbt_project.yml", *DBT_PROFILES_DIR.rglob("*"),
             *(DBT_PROJECT_DIR / "seeds").rglob("*")]
    for path in sorted(f for f in files if f.is_file()):
        digest.update(b"\0" + str(path.relative_to(DBT_PROJECT_DIR)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def dbt_parse(home: Path) -> None:
    """Write dbt's manifest, which the Dagster definitions read: 8 to 17 seconds, so skipped
    when the manifest was parsed from the same project files (:func:`project_fingerprint`)."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    stamp = manifest.with_name("manifest.pvw-fingerprint")
    fingerprint = project_fingerprint()
    if manifest.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return
    stamp.unlink(missing_ok=True)
    env = {**os.environ, "PVW_HOME": str(home)}
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        # the same --target as the builds (resources.py): dbt keeps its parse for the builds
        # (partial parsing) only when the command line's target is the one it parsed with
        [str(dbt), "parse", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROFILES_DIR), "--target", dbt_target(), "--quiet"],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
        raise PipelineError("dbt parse failed: " + (lines[-1] if lines else "no output"))
    stamp.write_text(fingerprint)


_HELD: set[Path] = set()  # homes whose lock this process holds (pvw rebuild around its run)


@contextmanager
def run_lock(home: Path) -> Iterator[None]:
    """One run at a time: the build database is never written by two processes. Re-entrant
    within a process: `pvw rebuild` holds the lock around the run it starts."""
    key = home.resolve()
    if key in _HELD:
        yield
        return
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".run.lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PipelineError(
                f"another pvw run is using {home} (lock {home / '.run.lock'}); "
                "wait for it to finish"
            ) from exc
        _build_not_open_elsewhere(home)
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)


def _build_not_open_elsewhere(home: Path) -> None:
    """The lock file protects against pvw runs; a process left by a killed run (its dbt) may
    still hold the build database itself: say so instead of failing on every source."""
    import duckdb

    build = home / "warehouse.duckdb"
    if not build.exists():
        return
    try:
        duckdb.connect(str(build), read_only=True).close()
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            return  # not a lock conflict: the run itself will report what is wrong
        pid = re.search(r"PID (\d+)", str(exc))
        raise PipelineError(
            f"the build database {build} is still open in another process"
            + (f" (PID {pid.group(1)})" if pid else "")
            + ", e.g. the dbt of a run that was killed: wait for it to exit, then run again"
        ) from None


def run_log_path(home: Path) -> Path:
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs / f"run-{time.strftime('%Y%m%d-%H%M%S')}.log"


# Handlers that the ``pvw_progress`` Dagster logger forwards to while ``pvw run`` is running.
PROGRESS_HANDLERS: list[logging.Handler] = []


@dg.logger(description="One short line per step on the terminal of `pvw run`.")
def pvw_progress(init_context: dg.InitLoggerContext) -> logging.Logger:
    log = logging.getLogger("pvw.progress")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.handlers = [*PROGRESS_HANDLERS]
    return log


class _ProgressHandler(logging.Handler):
    """Turns Dagster's step events into one short line each."""

    def __init__(self, say: Callable[[str], None]) -> None:
        super().__init__(logging.DEBUG)
        self.say = say
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_meta", {}).get("dagster_event")
        if event is None:
            return
        step = event.step_key or ""
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            self.say(f"▶ {step}")
        elif kind == "STEP_SUCCESS":
            took = time.monotonic() - self.started.get(step, time.monotonic())
            self.say(f"✔ {step} ({took:.1f}s)")
        elif kind == "STEP_FAILURE":
            self.say(f"✘ {step} failed")
        elif kind == "STEP_SKIPPED":
            self.say(f"⏭ {step} skipped")
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.asset_check_evaluation_data
            if not data.passed:
                mark = "⚠" if data.severity == dg.AssetCheckSeverity.WARN else "✘"
                self.say(f"  {mark} check {data.asset_key.to_user_string()}:{data.check_name}")


def run_pipeline(
    home: Path, landing: Path | None = None, say: Callable[[str], None] = print
) -> RunOutcome:
    """Execute the ``pvw_build`` job in-process; publishing happens only if every check passes."""
    from dagster import DagsterInstance

    from orchestration.publish import record_refusal

    prepare_instance(home)
    with run_lock(home):
        # removed only once the outcome is recorded: a run killed half-way leaves it, and
        # `pvw publish` will not publish its half-built database
        marker = incomplete_marker(home)
        marker.write_text(f"run started {time.strftime('%Y-%m-%d %H:%M:%S')} "
                          f"by process {os.getpid()}\n")
        say("Parsing the dbt project…")
        dbt_parse(home)
        # the definitions read the manifest that dbt parse just wrote: import them only now
        from orchestration.assets.ingest import ingest_assets
        from orchestration.assets.publish import run_check_results
        from orchestration.definitions import defs

        run_config: dict = {"loggers": {"pvw_progress": {}}}
        if landing is not None:
            run_config["ops"] = {
                a.op.name: {"config": {"landing": str(landing)}} for a in ingest_assets
            }
        PROGRESS_HANDLERS.append(_ProgressHandler(say))
        log_file = run_log_path(home)
        started = time.monotonic()
        say(f"Run log (dbt output, warnings): {log_file}")
        try:
            # dbt's own output and library chatter go to the run log, not the terminal
            with log_file.open("a") as log, redirect_stdout(log), redirect_stderr(log), \
                    DagsterInstance.get() as instance:
                result = defs.resolve_job_def("pvw_build").execute_in_process(
                    run_config=run_config, instance=instance, raise_on_error=False
                )
                outcome = _outcome(result, started)
                # what the refusal records (about a second to read back a national run's)
                checks = ([] if outcome.published
                          else run_check_results(instance, result.run_id))
        finally:
            PROGRESS_HANDLERS.clear()
        if not outcome.published:
            # nothing was swapped in: the history says why, and serving.duckdb stays as it was
            record_refusal(home, outcome.run_id,
                           "refused" if outcome.failed_checks else "failed", checks,
                           nothing_published(outcome))
        marker.unlink(missing_ok=True)
    return outcome


@contextmanager
def guarded_run(home: Path, run_id: str, instance: dg.DagsterInstance) -> Iterator[None]:
    """What :func:`run_pipeline` does around the runs it starts, for a run launched anywhere
    else (the Dagster UI, the schedule, the landing sensor): the run takes the lock, marks the
    build incomplete, and when it ends records a refused or failed outcome in the publish
    history. The build's Warehouse resource enters this once per run (resources.py); inside
    `pvw run` the lock is already held and this does nothing."""
    if home.resolve() in _HELD:
        yield
        return
    with run_lock(home):
        marker = incomplete_marker(home)
        marker.write_text(f"run {run_id} started {time.strftime('%Y-%m-%d %H:%M:%S')} "
                          f"by process {os.getpid()}\n")
        try:
            yield
        finally:
            if _record_outcome(home, run_id, instance):
                marker.unlink(missing_ok=True)


def _record_outcome(home: Path, run_id: str, instance: dg.DagsterInstance) -> bool:
    """Record a run that published nothing because it failed; True when the run's outcome is
    in the history (published, refused or failed). A run that only materialised some assets
    without failing records nothing, and its build stays marked incomplete."""
    from orchestration.assets.publish import run_check_results
    from orchestration.publish import record_refusal

    events = [e.dagster_event for e in instance.all_logs(run_id) if e.dagster_event]
    outcome = outcome_of(run_id, False, events)
    if outcome.published:
        return True
    if not (outcome.failed_checks or outcome.failed_steps):
        return False
    record_refusal(home, run_id, "refused" if outcome.failed_checks else "failed",
                   run_check_results(instance, run_id), nothing_published(outcome))
    return True


def incomplete_marker(home: Path) -> Path:
    """Present while a run is building, and after a run that was killed."""
    return home / ".build-incomplete"


def _outcome(result: dg.ExecuteInProcessResult, started: float) -> RunOutcome:
    return outcome_of(result.run_id, result.success, result.all_events,
                      time.monotonic() - started)


def outcome_of(run_id: str, success: bool, events: Iterable[dg.DagsterEvent],
               seconds: float = 0.0) -> RunOutcome:
    """What a run did, from its Dagster events: failed steps, failed checks, published."""
    from dagster import DagsterEventType

    outcome = RunOutcome(run_id=run_id, success=success, published=False, seconds=seconds)
    failed_check_steps: set[str] = set()  # steps that run nothing but a failed check
    for ev in events:
        if ev.event_type == DagsterEventType.STEP_FAILURE:
            err = ev.step_failure_data.error
            cause = err.cause.message if err and err.cause else (err.message if err else "")
            outcome.failed_steps.append(f"{ev.step_key}: {_one_line(cause)}")
        elif ev.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            key = ev.asset_key.to_user_string()
            outcome.materialized.append(key)
            if key == "serving_database":
                outcome.published = True
        elif ev.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = ev.asset_check_evaluation_data
            if not data.passed:
                text = f"{data.asset_key.to_user_string()}:{data.check_name}" + (
                    f" ({_one_line(data.description)})" if data.description else "")
                if data.severity == dg.AssetCheckSeverity.WARN:
                    outcome.warnings.append(text)
                else:
                    outcome.failed_checks.append(text)
                    if ev.step_key and ev.step_key.endswith(data.check_name):
                        failed_check_steps.add(ev.step_key)
    # a blocking check that fails also fails its own step: name it once, as a check
    outcome.failed_steps = [
        step for step in outcome.failed_steps
        if step.split(":")[0] not in failed_check_steps
    ]
    return outcome


_EXCEPTION_PREFIX = re.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception): ")


def _one_line(text: str | None) -> str:
    """The last line of a message, without a leading exception class name."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return _EXCEPTION_PREFIX.sub("", lines[-1]) if lines else ""


def nothing_published(outcome: RunOutcome, shown: int = 10) -> str:
    """One line: why a run published nothing (failed steps, then at most ``shown`` checks)."""
    causes = outcome.failed_checks[:shown] + outcome.failed_steps
    if len(outcome.failed_checks) > shown:
        causes.append(f"and {len(outcome.failed_checks) - shown} more failed checks")
    return "nothing published: " + ("; ".join(causes) if causes else "the run did not complete")
