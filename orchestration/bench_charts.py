"""Dashboard latency for ``pvw bench``: every chart of every dashboard through Superset's API.

Superset is started on the bench home (orchestration/superset_server.py), logged in to as its
admin through the API (JWT, then a CSRF token in the same cookie session), and each chart's
saved ``query_context`` is posted to ``/api/v1/chart/data`` with ``"force": true`` (past
Superset's cache: every request runs its queries on the serving database). One request per
chart warms the worker up (reported as ``first_ms``, not counted), then ``repeats`` requests
are timed one after the other: p50 and p95 (nearest rank) per chart. Only the standard
library is used (``requests`` is a test dependency, not the pipeline's).
"""

from __future__ import annotations

import http.cookiejar
import json
import math
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from orchestration import superset_server
from orchestration.bench_measure import TreeSampler


class Api:
    """A logged-in Superset API session (cookies kept: the CSRF token belongs to one)."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base.rstrip("/")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.headers = {"Content-Type": "application/json"}
        login = self.call("POST", "/api/v1/security/login", {
            "username": username, "password": password, "provider": "db", "refresh": False})
        self.headers["Authorization"] = f"Bearer {login['access_token']}"
        csrf = self.call("GET", "/api/v1/security/csrf_token/")["result"]
        self.headers.update({"X-CSRFToken": csrf, "Referer": self.base})

    def call(self, method: str, path: str, body: dict | None = None,
             timeout: float = 120) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers=self.headers)
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode(errors="replace")
            raise RuntimeError(f"Superset {method} {path}: HTTP {exc.code} {detail}") from None


@dataclass
class ChartLatency:
    chart_id: int
    chart: str
    dashboards: list[str]
    viz_type: str
    first_ms: float  # the warm-up request, not counted
    p50_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float
    requests: int
    errors: list[str] = field(default_factory=list)
    rows: int = 0  # rows returned by the chart's queries (last request)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def dashboard_charts(api: Api) -> dict[int, tuple[str, list[str]]]:
    """chart id -> (chart name, titles of the dashboards that show it)."""
    q = urllib.parse.quote("(page_size:100)")
    charts: dict[int, tuple[str, list[str]]] = {}
    for dash in api.call("GET", f"/api/v1/dashboard/?q={q}")["result"]:
        for chart in api.call("GET", f"/api/v1/dashboard/{dash['id']}/charts")["result"]:
            _, titles = charts.setdefault(chart["id"], (chart["slice_name"], []))
            titles.append(dash["dashboard_title"])
    return charts


def time_chart(api: Api, chart_id: int, name: str, dashboards: list[str],
               repeats: int) -> ChartLatency:
    detail = api.call("GET", f"/api/v1/chart/{chart_id}")["result"]
    if not detail.get("query_context"):
        return ChartLatency(chart_id, name, dashboards, detail.get("viz_type", ""), 0, 0, 0,
                            0, 0, 0, errors=["no saved query_context"])
    context = json.loads(detail["query_context"])
    context["force"] = True
    errors: list[str] = []
    timings: list[float] = []
    rows = 0
    for _ in range(repeats + 1):
        began = time.perf_counter()
        try:
            results = api.call("POST", "/api/v1/chart/data", context)["result"]
        except (RuntimeError, OSError) as exc:
            errors.append(str(exc)[:200])
            results = []
        took = (time.perf_counter() - began) * 1000
        errors += [str(r["error"])[:200] for r in results if r.get("error")]
        rows = sum(int(r.get("rowcount") or 0) for r in results)
        timings.append(took)
    first, counted = timings[0], timings[1:]
    return ChartLatency(
        chart_id, name, dashboards, detail.get("viz_type", ""), round(first, 1),
        round(percentile(counted, 0.5), 1), round(percentile(counted, 0.95), 1),
        round(min(counted), 1), round(max(counted), 1), len(counted),
        errors=sorted(set(errors)), rows=rows,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure_charts(home: Path, repeats: int = 20,
                   say: Callable[[str], None] = print) -> dict:
    """Start Superset on ``home``, time every chart of every dashboard, stop Superset."""
    began = time.monotonic()
    superset_server.bootstrap(home)
    bootstrap_s = time.monotonic() - began
    port = _free_port()
    proc = superset_server.start(home, port)
    sampler = TreeSampler(proc.pid, interval=0.25)
    sampler.start()
    try:
        url = superset_server.base_url(port)
        superset_server.wait_ready(url, timeout=180, proc=proc)
        ready_s = time.monotonic() - began
        api = Api(url, *superset_server.admin_credentials(home))
        charts = dashboard_charts(api)
        say(f"  timing {len(charts)} charts × {repeats} requests through {url}")
        timed = [time_chart(api, cid, name, titles, repeats)
                 for cid, (name, titles) in sorted(charts.items(), key=lambda c: c[1][0])]
    finally:
        samples = sampler.stop()
        superset_server.stop(proc)
    slowest = max(timed, key=lambda c: c.p95_ms, default=None)
    return {
        "charts": [asdict(c) for c in timed],
        "chart_count": len(timed),
        "dashboard_count": len({d for c in timed for d in c.dashboards}),
        "repeats": repeats,
        "chart_p95_ms": slowest.p95_ms if slowest else None,
        "slowest_chart": slowest.chart if slowest else None,
        "errors": sum(len(c.errors) for c in timed),
        "superset_bootstrap_s": round(bootstrap_s, 1),
        "superset_ready_s": round(ready_s, 1),
        "superset_peak_rss_bytes": max((s.rss_bytes for s in samples), default=0),
    }
