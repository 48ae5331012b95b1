"""A full rebuild and publish under dashboard load, proving two things with one run:

- Dashboards under load during a refresh: while `pvw rebuild` rebuilds the served home from
  its landing files and publishes, concurrent chart-data and SQL Lab requests go through
  Superset's API for the whole run. None may fail, and no query may see a mix of the old and
  the new published database. Every published database carries its own run id twice, written
  into the copy before the swap (analytics.publish_log, newest row, and
  analytics.data_quality_checks, is_latest_run): a query reading both, plus a figure, sees one
  version whole or it has mixed two.
- Nothing lost: the rebuild from the landing files alone reproduces every published figure to
  the last digit, the landing files are untouched, and the load log and quarantine are the
  same (tests/warehouse_snapshot.py). So every test that runs after this one sees the same
  figures; only the run records grow.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import threading
import time
from pathlib import Path

import pytest
import requests

from orchestration.rebuild import aside_path
from orchestration.settings import serving_path, warehouse_path
from orchestration.superset_server import admin_credentials
from tests import warehouse_snapshot as ws
from tests.browser.conftest import api_session
from tests.conftest import run_pvw

CLIENTS = 3  # concurrent users (the server has 2 workers x 4 threads; the machine 2 cores)

VERSION_SQL = """
SELECT
    (SELECT run_id FROM analytics.publish_log ORDER BY logged_at DESC LIMIT 1) AS logged_run,
    (SELECT min(run_id) FROM analytics.data_quality_checks WHERE is_latest_run) AS checked_run,
    (SELECT max(run_id) FROM analytics.data_quality_checks WHERE is_latest_run) AS checked_run_2,
    (SELECT count(*) FROM analytics.indicator_values) AS indicator_rows,
    (SELECT sum(numerator) FROM analytics.indicator_values) AS numerators
"""


def _database_id(api: requests.Session, url: str) -> int:
    resp = api.get(f"{url}/api/v1/database/", timeout=30)
    (db,) = [d for d in resp.json()["result"] if d["database_name"] == "pvw serving"]
    return db["id"]


def _chart_contexts(api: requests.Session, url: str) -> list[tuple[str, dict]]:
    found = []
    resp = api.get(f"{url}/api/v1/chart/", params={"q": json.dumps({"page_size": 100})},
                   timeout=30)
    for summary in resp.json()["result"]:
        chart = api.get(f"{url}/api/v1/chart/{summary['id']}", timeout=30).json()["result"]
        context = json.loads(chart["query_context"])
        context["force"] = True  # past the cache: every request reads the database
        found.append((chart["slice_name"], context))
    return found


class Load:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.versions: list[tuple] = []

    def record(self, seconds: float, failure: str | None = None,
               version: tuple | None = None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if failure:
                self.failures.append(failure)
            if version:
                self.versions.append(version)


def _client(n: int, url: str, credentials: tuple[str, str], db_id: int,
            charts: list[tuple[str, dict]], load: Load, stop: threading.Event) -> None:
    session = api_session(url, *credentials)
    i = n
    while not stop.is_set():
        i += 1
        started = time.monotonic()
        try:
            if i % 2:  # SQL Lab, read-only, as an analyst would query
                resp = session.post(f"{url}/api/v1/sqllab/execute/", json={
                    "database_id": db_id, "sql": VERSION_SQL, "runAsync": False,
                    "schema": "analytics", "client_id": f"load{n}{i}"[:11]}, timeout=60)
                body = resp.json() if resp.ok else {}
                if resp.status_code != 200 or body.get("status") != "success":
                    load.record(time.monotonic() - started,
                                f"SQL Lab HTTP {resp.status_code}: {resp.text[:200]}")
                    continue
                row = body["data"][0]
                load.record(time.monotonic() - started, version=(
                    row["logged_run"], row["checked_run"], row["checked_run_2"],
                    row["indicator_rows"], row["numerators"]))
            else:
                name, context = charts[(i // 2) % len(charts)]
                resp = session.post(f"{url}/api/v1/chart/data", json=context, timeout=60)
                results = resp.json().get("result") if resp.ok else None
                errors = [r.get("error") for r in results or [] if r.get("error")]
                if resp.status_code != 200 or not results or errors:
                    load.record(time.monotonic() - started,
                                f"{name}: HTTP {resp.status_code} {errors or resp.text[:200]}")
                else:
                    load.record(time.monotonic() - started)
        except requests.RequestException as exc:
            load.record(time.monotonic() - started, f"request failed: {exc}")
    session.close()


@pytest.mark.timeout(2400)  # the rebuild is a full run, slower under load
def test_a_rebuild_under_load_reproduces_every_figure_and_no_query_fails_or_mixes(
    superset_url: str, api: requests.Session, published_home: Path, artifacts_dir: Path
) -> None:
    # the pipeline never modifies or deletes a landing file: every file the fixture's run
    # loaded still has the SHA-256 it was loaded with
    served = serving_path(published_home)
    landing = (published_home / "landing").resolve()
    hashes = ws.landing_hashes(landing)
    logged = ws.load_log(served)
    assert logged, "the published database has no load log"
    for file, _source, sha, *_ in logged:
        assert hashes[str(Path(file).relative_to(landing))][0] == sha, file
    before = ws.snapshot(served)
    quarantine_before = ws.quarantine(served)
    build_before = hashlib.sha256(warehouse_path(published_home).read_bytes()).hexdigest()

    credentials = admin_credentials(published_home)
    db_id = _database_id(api, superset_url)
    charts = _chart_contexts(api, superset_url)
    load, stop = Load(), threading.Event()
    clients = [threading.Thread(target=_client, daemon=True, args=(
        n, superset_url, credentials, db_id, charts, load, stop)) for n in range(CLIENTS)]
    started = time.monotonic()
    for client in clients:
        client.start()
    try:
        time.sleep(3)  # queries already running on the old version when the run starts
        proc = run_pvw(published_home, "rebuild", timeout=1800)
        time.sleep(3)  # and still running on the new one after the swap
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=90)
    seconds = time.monotonic() - started
    out = proc.stdout
    assert "Set the build database aside as warehouse.duckdb.before-rebuild" in out, out
    assert f"Rebuilding from the {len(hashes)} files in {landing}" in out, out
    assert "Published" in out, out

    latencies = sorted(load.latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    report = {
        "requests": len(latencies), "failures": len(load.failures), "seconds": round(seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
        "p95_ms": round(p95 * 1000), "clients": CLIENTS,
        "versions_seen": sorted({v[0] for v in load.versions}),
        "first_failures": load.failures[:5],
    }
    (artifacts_dir / "load_during_refresh.json").write_text(json.dumps(report, indent=2))
    print(f"\nload during refresh: {json.dumps(report)}")

    # --- the dashboards under load
    assert not load.failures, f"{len(load.failures)} failed queries, e.g. {load.failures[:3]}"
    assert len(latencies) >= 50, report
    # every query saw one published database whole: its run id agrees across the tables
    mixed = [v for v in load.versions if not (v[0] == v[1] == v[2])]
    assert not mixed, f"queries saw a mix of versions: {mixed[:3]}"
    # the swap happened during the load: the old version, then the new one, both seen
    runs = {v[0] for v in load.versions}
    assert len(runs) == 2, f"expected the old and the new version, saw {runs}"
    assert len({(v[3], v[4]) for v in load.versions}) == 1, {(v[3], v[4]) for v in load.versions}

    # --- nothing lost: rebuilt from the landing files alone, the same figures
    assert not aside_path(published_home).exists()
    assert hashlib.sha256(warehouse_path(published_home).read_bytes()).hexdigest() != build_before
    assert ws.landing_hashes(landing) == hashes  # byte-identical, same modification times
    assert ws.load_log(served) == logged
    assert ws.quarantine(served) == quarantine_before
    changed = ws.differences(before, ws.snapshot(served))
    assert not changed, "the rebuild changed published figures:\n" + "\n".join(changed)

