"""Sensors: a new, complete extract in a landing folder starts the build.

A file counts as complete once its size and modification time have stayed the same across
two evaluations and it is at least ``SETTLE_SECONDS`` old: a file still being copied or
written is left for a later tick, never half-loaded. Hidden and partial files (``.*``,
``*.part``, ``*.tmp``) are ignored. The sensor starts stopped: switch it on in the Dagster UI
(Automation) where landing folders are filled by agencies' transfers.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import dagster as dg

from orchestration.contracts import CONTRACTS
from orchestration.ingest.loader import is_temporary
from orchestration.jobs import pvw_build
from orchestration.settings import landing_dir

SETTLE_SECONDS = 10.0


def landing_files(landing: Path) -> dict[str, tuple[int, float]]:
    """Every candidate extract: path -> (size, mtime)."""
    found: dict[str, tuple[int, float]] = {}
    for contract in CONTRACTS.values():
        folder = landing / contract.source
        if not folder.is_dir():
            continue
        for pattern in contract.landing_patterns:
            for path in folder.glob(pattern):
                if is_temporary(path):
                    continue
                stat = path.stat()
                found[str(path)] = (stat.st_size, stat.st_mtime)
    return found


def evaluate(landing: Path, cursor: str | None, now: float) -> tuple[list[str], str]:
    """Which files are newly complete, and the next cursor (pure: easy to test)."""
    state = json.loads(cursor) if cursor else {"seen": {}, "done": {}}
    seen, done = state["seen"], state["done"]
    current = landing_files(landing)
    ready = []
    for path, (size, mtime) in sorted(current.items()):
        signature = [size, mtime]
        if done.get(path) == signature:
            continue  # already started a run for this version of the file
        if seen.get(path) == signature and now - mtime >= SETTLE_SECONDS:
            ready.append(path)
            done[path] = signature
    next_state = {"seen": {p: list(v) for p, v in current.items()},
                  "done": {p: v for p, v in done.items() if p in current}}
    return ready, json.dumps(next_state, sort_keys=True)


@dg.sensor(
    job=pvw_build,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts pvw_build when a complete new extract arrives in a landing folder.",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    ready, cursor = evaluate(landing_dir(), context.cursor, time.time())
    if not ready:
        return dg.SensorResult(skip_reason="no new complete extract", cursor=cursor)
    run_key = hashlib.sha256("\n".join(ready).encode() + cursor.encode()).hexdigest()[:16]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, tags={"pvw/new_files": str(len(ready))})],
        cursor=cursor,
    )


sensors = [landing_sensor]
