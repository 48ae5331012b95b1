"""Dashboard latency for ``pvw bench``: every chart of every dashboard through Superset's API.

Superset is started on the bench home (orchestration/superset_server.py), logged in to as its
admin through the API (JWT, then a CSRF token in the same cookie session), and each chart's
saved ``query_context`` is posted to ``/api/v1/chart/data`` with ``"force": true`` (past
Superset's cache: every request runs its queries on the serving database), with the filters
its dashboard applies when it opens (each native filter's default value, or the first value
it offers: :func:`default_filters`), as a user sees it; then again as saved, with no dashboard
filter (every indicator and period at once), the worst case, reported beside it. One request per
chart warms the worker up (reported as ``first_ms``, not counted), then ``repeats`` requests
are timed one after the other: p50 and p95 (nearest rank) per chart. Only the standard
library is used (``requests`` is a test dependency, not the pipeline's).
"""

from __future__ import annotations

import http.cookiejar
import json
import math
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


def dashboard_charts(api: Api) -> dict[int, tuple[str, list[str], list[dict]]]:
    """chart id -> (name, dashboard titles, the filters the first of them opens it with)."""
    q = urllib.parse.quote("(page_size:100)")
    charts: dict[int, tuple[str, list[str], list[dict]]] = {}
    for dash in sorted(api.call("GET", f"/api/v1/dashboard/?q={q}")["result"],
                       key=lambda d: d["dashboard_title"]):
        meta = json.loads(api.call("GET", f"/api/v1/dashboard/{dash['id']}")["result"]
                          .get("json_metadata") or "{}")
        defaults = default_filters(api, meta.get("native_filter_configuration", []))
        for chart in api.call("GET", f"/api/v1/dashboard/{dash['id']}/charts")["result"]:
            first = chart["id"] not in charts
            _, titles, _ = charts.setdefault(chart["id"], (chart["slice_name"], [], []))
            titles.append(dash["dashboard_title"])
            if first:
                charts[chart["id"]][2].extend(
                    f for f, excluded in defaults if chart["id"] not in excluded)
    return charts


def default_filters(api: Api, config: list[dict]) -> list[tuple[dict, set[int]]]:
    """The filters a dashboard applies when it opens, as query filters, each with the charts
    it does not apply to: a filter's saved default value, or (``defaultToFirstItem``) the
    first of its values in its own order, given the filters it cascades from."""
    resolved: dict[str, dict] = {}
    for f in config:
        if f.get("filterType") != "filter_select" or not f.get("targets"):
            continue
        target = f["targets"][0]
        column = target.get("column", {}).get("name")
        saved = f.get("defaultDataMask", {}).get("extraFormData", {}).get("filters")
        if saved:
            resolved[f["id"]] = saved[0]
        elif f.get("controlValues", {}).get("defaultToFirstItem") and "datasetId" in target:
            parents = [resolved[p] for p in f.get("cascadeParentIds", []) if p in resolved]
            value = first_value(api, target["datasetId"], column, f.get("sortMetric"),
                                f.get("controlValues", {}).get("sortAscending", True), parents)
            if value is not None:
                resolved[f["id"]] = {"col": column, "op": "IN", "val": [value]}
    excluded = {f["id"]: set(f.get("scope", {}).get("excluded", [])) for f in config}
    return [(flt, excluded[fid]) for fid, flt in resolved.items()]


def first_value(api: Api, dataset_id: int, column: str, sort_metric: str | None,
                ascending: bool, filters: list[dict]) -> object:
    """The first value a select filter offers, queried as the filter queries it."""
    query = {"columns": [column], "metrics": [sort_metric] if sort_metric else [],
             "filters": filters, "orderby": [[sort_metric or column, ascending]],
             "row_limit": 1}
    body = {"datasource": {"id": dataset_id, "type": "table"}, "force": False,
            "queries": [query], "result_format": "json", "result_type": "full"}
    data = api.call("POST", "/api/v1/chart/data", body)["result"][0].get("data") or []
    return data[0][column] if data else None


def with_filters(context: dict, filters: list[dict], columns: set[str]) -> dict:
    """The chart's query context as its dashboard sends it: the dashboard's filters added to
    every query whose dataset has the filter's column (as native filters apply)."""
    wanted = [f for f in filters if f["col"] in columns]
    return {**context, "queries": [{**q, "filters": [*q.get("filters", []), *wanted]}
                                   for q in context.get("queries", [])]}


def _dataset_columns(api: Api, dataset_id: int) -> set[str]:
    q = urllib.parse.quote("(columns:!(columns.column_name))")
    found = api.call("GET", f"/api/v1/dataset/{dataset_id}?q={q}")["result"]
    return {c["column_name"] for c in found.get("columns", [])}


def time_chart(api: Api, chart_id: int, name: str, dashboards: list[str],
               repeats: int, filters: list[dict] | None = None) -> ChartLatency:
    """Time a chart's query context; with ``filters``, as its dashboard opens it."""
    detail = api.call("GET", f"/api/v1/chart/{chart_id}")["result"]
    if not detail.get("query_context"):
        return ChartLatency(chart_id, name, dashboards, detail.get("viz_type", ""), 0, 0, 0,
                            0, 0, 0, errors=["no saved query_context"])
    context = json.loads(detail["query_context"])
    if filters:
        context = with_filters(context, filters,
                               _dataset_columns(api, context["datasource"]["id"]))
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


def measure_charts(home: Path, repeats: int = 20,
                   say: Callable[[str], None] = print) -> dict:
    """Start Superset on ``home``, time every chart of every dashboard, stop Superset."""
    began = time.monotonic()
    superset_server.bootstrap(home)
    bootstrap_s = time.monotonic() - began
    port = superset_server.free_port()
    proc = superset_server.start(home, port)
    sampler = TreeSampler(proc.pid, interval=0.25)
    sampler.start()
    try:
        url = superset_server.base_url(port)
        superset_server.wait_ready(url, timeout=180, proc=proc)
        ready_s = time.monotonic() - began
        api = Api(url, *superset_server.admin_credentials(home))
        charts = dashboard_charts(api)
        say(f"  timing {len(charts)} charts × {repeats} requests through {url}, as their "
            "dashboards open them, then as saved (no dashboard filter)")
        ordered = sorted(charts.items(), key=lambda c: c[1][0])
        timed = [time_chart(api, cid, name, titles, repeats, filters)
                 for cid, (name, titles, filters) in ordered]
        unfiltered = [time_chart(api, cid, name, titles, repeats)
                      for cid, (name, titles, _) in ordered]
    finally:
        samples = sampler.stop()
        superset_server.stop(proc)
    slowest = max(timed, key=lambda c: c.p95_ms, default=None)
    worst = max(unfiltered, key=lambda c: c.p95_ms, default=None)
    return {
        "charts": [asdict(c) for c in timed],
        "default_filters": {str(cid): f for cid, (_, _, f) in ordered if f},
        "charts_unfiltered": [asdict(c) for c in unfiltered],
        "unfiltered_p95_ms": worst.p95_ms if worst else None,
        "slowest_unfiltered_chart": worst.chart if worst else None,
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
