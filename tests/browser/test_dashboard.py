"""Superset against the real published serving database: API, browser and bundle checks.

Needs ``.venv-superset`` (see ``superset/requirements.txt``), Debian's Chromium at
``/usr/bin/chromium`` and the ``published_home`` fixture (a PVW_HOME whose ``serving.duckdb``
the pipeline published). The screenshot goes to ``<repo>/artifacts/``.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
import yaml

from orchestration.settings import REPO_ROOT, serving_path
from orchestration.superset_server import (
    ASSETS_DIR,
    DASHBOARD_SLUG,
    admin_credentials,
    running_superset,
    superset_python,
)

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "artifacts"
TABLE = "analytics.vap_by_partnership_year"
RENDER_TIMEOUT_MS = 120_000


# --------------------------------------------------------------------------- the bundle


def _load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def _dashboard_yaml() -> dict[str, Any]:
    for path in sorted((ASSETS_DIR / "dashboards").glob("*.yaml")):
        config = _load_yaml(path)
        if config.get("slug") == DASHBOARD_SLUG:
            return config
    raise AssertionError(f"no dashboard with slug {DASHBOARD_SLUG} in {ASSETS_DIR}")


def _chart_yamls() -> list[dict[str, Any]]:
    return [_load_yaml(p) for p in sorted((ASSETS_DIR / "charts").glob("*.yaml"))]


def _dataset_yamls() -> list[dict[str, Any]]:
    return [_load_yaml(p) for p in sorted((ASSETS_DIR / "datasets").rglob("*.yaml"))]


def _dashboard_chart_uuids() -> list[str]:
    position = _dashboard_yaml()["position"]
    return [
        node["meta"]["uuid"]
        for node in position.values()
        if isinstance(node, dict) and node.get("type") == "CHART"
    ]


def _column_refs(value: Any) -> set[str]:
    """Plain column names a chart's params or query context refer to."""
    refs: set[str] = set()
    if isinstance(value, str):
        refs.add(value)
    elif isinstance(value, dict):
        if "sqlExpression" in value and value.get("isColumnReference"):
            refs.add(value["sqlExpression"])
        elif "column_name" in value:
            refs.add(value["column_name"])
        elif "subject" in value and value.get("expressionType") == "SIMPLE":
            refs.add(value["subject"])
        elif "col" in value and isinstance(value["col"], str):
            refs.add(value["col"])
    elif isinstance(value, list):
        for item in value:
            refs |= _column_refs(item)
    return refs


def _chart_columns(chart: dict[str, Any]) -> set[str]:
    params = chart["params"]
    cols: set[str] = set()
    for key in ("x_axis", "groupby", "all_columns", "columns", "series", "entity"):
        if params.get(key):
            cols |= _column_refs(params[key])
    for entry in params.get("order_by_cols") or []:
        cols.add(json.loads(entry)[0])
    cols |= _column_refs(params.get("adhoc_filters") or [])
    if chart.get("query_context"):
        for query in json.loads(chart["query_context"])["queries"]:
            cols |= _column_refs(query.get("columns") or [])
            cols |= _column_refs(query.get("filters") or [])
            for column, _asc in query.get("orderby") or []:
                if isinstance(column, str):
                    cols.add(column)
    return cols


def test_bundle_columns_exist_in_serving_db(published_home: Path) -> None:
    """Every column the dataset and chart YAML name is a column of the served table."""
    con = duckdb.connect(str(serving_path(published_home)), read_only=True)
    try:
        served = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'analytics' and table_name = 'vap_by_partnership_year'"
            ).fetchall()
        }
        assert served, f"{TABLE} missing from the serving database"

        datasets = _dataset_yamls()
        assert len(datasets) == 1
        dataset = datasets[0]
        assert f'{dataset["schema"]}.{dataset["table_name"]}' == TABLE
        metric_names = {m["metric_name"] for m in dataset["metrics"]}

        missing = {c["column_name"] for c in dataset["columns"]} - served
        assert not missing, f"dataset YAML names columns not in {TABLE}: {sorted(missing)}"
        assert dataset["main_dttm_col"] in served

        for metric in dataset["metrics"]:  # saved metrics must compile against the table
            con.execute(f"select {metric['expression']} from {TABLE}").fetchall()

        for chart in _chart_yamls():
            cols = _chart_columns(chart) - metric_names
            missing = cols - served
            assert not missing, f"chart {chart['slice_name']!r} names unknown columns {missing}"
            for metric in chart["params"].get("metrics") or [chart["params"].get("metric")]:
                if isinstance(metric, str):
                    assert metric in metric_names, f"{chart['slice_name']!r}: metric {metric}"

        for nf in _dashboard_yaml()["metadata"].get("native_filter_configuration", []):
            for target in nf.get("targets", []):
                assert target["column"]["name"] in served, nf["name"]
    finally:
        con.close()


def test_bundle_is_consistent() -> None:
    """The dashboard places exactly the bundle's charts, all on the one dataset."""
    charts = {c["uuid"]: c for c in _chart_yamls()}
    dataset_uuids = {d["uuid"] for d in _dataset_yamls()}
    placed = _dashboard_chart_uuids()
    assert len(placed) >= 3
    assert sorted(placed) == sorted(charts), "dashboard and charts/ disagree"
    for chart in charts.values():
        assert chart["dataset_uuid"] in dataset_uuids
        assert chart["slice_name"] and chart["description"]
        assert chart["query_context"], f"{chart['slice_name']}: no saved query_context"
    (database,) = (_load_yaml(p) for p in (ASSETS_DIR / "databases").glob("*.yaml"))
    assert database["database_name"] == "pvw serving"
    assert "{{SERVING_DB}}" in database["sqlalchemy_uri"]
    assert "access_mode=read_only" in database["sqlalchemy_uri"]
    assert database["allow_dml"] is False


# --------------------------------------------------------------------------- Superset


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def superset_url(published_home: Path) -> Iterator[str]:
    if not superset_python().exists():
        pytest.fail(f"Superset environment missing: {superset_python()} (see superset/)")
    with running_superset(published_home, port=_free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def api(superset_url: str, published_home: Path) -> Iterator[requests.Session]:
    username, password = admin_credentials(published_home)
    session = requests.Session()
    resp = session.post(
        f"{superset_url}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": False},
        timeout=30,
    )
    assert resp.status_code == 200, f"login failed: {resp.status_code} {resp.text[:200]}"
    session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    resp = session.get(f"{superset_url}/api/v1/security/csrf_token/", timeout=30)
    assert resp.status_code == 200, resp.text[:200]
    session.headers.update({"X-CSRFToken": resp.json()["result"], "Referer": superset_url})
    yield session
    session.close()


def test_dashboard_charts_return_data(api: requests.Session, superset_url: str) -> None:
    resp = api.get(f"{superset_url}/api/v1/dashboard/{DASHBOARD_SLUG}", timeout=30)
    assert resp.status_code == 200, f"dashboard {DASHBOARD_SLUG} not found: {resp.text[:200]}"
    assert resp.json()["result"]["dashboard_title"] == "Violence against the person"

    resp = api.get(f"{superset_url}/api/v1/dashboard/{DASHBOARD_SLUG}/charts", timeout=30)
    assert resp.status_code == 200, resp.text[:200]
    charts = resp.json()["result"]
    assert len(charts) == len(_dashboard_chart_uuids())

    for summary in charts:
        chart_id, name = summary["id"], summary["slice_name"]
        chart = api.get(f"{superset_url}/api/v1/chart/{chart_id}", timeout=30).json()["result"]
        assert chart.get("query_context"), f"{name}: no saved query_context"
        resp = api.post(
            f"{superset_url}/api/v1/chart/data",
            json=json.loads(chart["query_context"]),
            timeout=120,
        )
        assert resp.status_code == 200, f"{name}: HTTP {resp.status_code} {resp.text[:300]}"
        results = resp.json()["result"]
        assert results, f"{name}: empty result list"
        for result in results:
            assert not result.get("error"), f"{name}: {result['error']}"
            assert result["rowcount"] > 0 and result["data"], f"{name}: no rows"


def test_serving_database_is_read_only(
    api: requests.Session, superset_url: str, published_home: Path
) -> None:
    resp = api.get(f"{superset_url}/api/v1/database/", timeout=30)
    assert resp.status_code == 200, resp.text[:200]
    (db,) = [d for d in resp.json()["result"] if d["database_name"] == "pvw serving"]
    detail = api.get(f"{superset_url}/api/v1/database/{db['id']}/connection", timeout=30)
    assert detail.status_code == 200, detail.text[:200]
    info = detail.json()["result"]
    assert info["allow_dml"] is False
    assert info["sqlalchemy_uri"] == (
        f"duckdb:///{serving_path(published_home)}?access_mode=read_only"
    )


# --------------------------------------------------------------------------- browser

_ALL_CHARTS_SETTLED = """
(expected) => {
  const charts = document.querySelectorAll('[data-test="chart-grid-component"]');
  if (charts.length < expected) return false;
  return Array.from(charts).every((chart) => {
    if (chart.querySelector('.loading, [data-test="loading-indicator"], [aria-label="Loading"]'))
      return false;
    const body = chart.querySelector('[data-test="slice-container"]');
    const text = chart.innerText || '';
    const failed = chart.querySelector('.ant-alert-error, [data-test="error-alert"], .alert-danger')
      || /No results|error/i.test(text);
    const drawn = body && (body.querySelector('canvas, svg, table tbody tr')
      || /\\d/.test(body.innerText || ''));
    return Boolean(failed || drawn);
  });
}
"""

_CHART_STATES = """
() => Array.from(document.querySelectorAll('[data-test="chart-grid-component"]')).map((c) => {
  const body = c.querySelector('[data-test="slice-container"]');
  const title = c.querySelector('[data-test="editable-title"]');
  return {
    title: title ? title.innerText.trim() : '',
    text: (c.innerText || '').slice(0, 400),
    error: Boolean(c.querySelector('.ant-alert-error, [data-test="error-alert"], .alert-danger')),
    graphics: body ? body.querySelectorAll('canvas, svg').length : 0,
    rows: body ? body.querySelectorAll('table tbody tr').length : 0,
    bodyText: body ? (body.innerText || '').trim().slice(0, 200) : '',
  };
})
"""


def test_dashboard_renders_in_browser(superset_url: str, published_home: Path) -> None:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "install Debian's chromium (apt-get install chromium)"
    expected = len(_dashboard_chart_uuids())
    titles = {c["slice_name"] for c in _chart_yamls()}
    username, password = admin_credentials(published_home)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "superset-dashboard.png"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(60_000)

            page.goto(f"{superset_url}/login/")
            page.fill("#username", username)
            page.fill("#password", password)
            page.click("[type=submit]")
            page.wait_for_url(re.compile(r".*/superset/welcome/.*|.*/dashboard/list.*"))

            page.goto(f"{superset_url}/superset/dashboard/{DASHBOARD_SLUG}/")
            page.wait_for_selector('[data-test="chart-grid-component"]')
            page.wait_for_function(_ALL_CHARTS_SETTLED, arg=expected, timeout=RENDER_TIMEOUT_MS)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1000)  # let ECharts finish its entry animation
            page.screenshot(path=str(shot), full_page=True)
            states = page.evaluate(_CHART_STATES)
        finally:
            browser.close()

    assert len(states) == expected, f"{len(states)} charts rendered, YAML has {expected}"
    assert {s["title"] for s in states} == titles
    for state in states:
        name = state["title"]
        assert not state["error"], f"{name}: shows an error: {state['text']!r}"
        assert "No results" not in state["text"], f"{name}: shows 'No results'"
        assert state["graphics"] or state["rows"], f"{name}: nothing drawn: {state['text']!r}"
        assert re.search(r"\d", state["bodyText"]) or state["graphics"], f"{name}: no numbers"
    table = [s for s in states if s["rows"]]
    assert table and all(s["rows"] > 0 for s in table), "the table chart shows no rows"
    assert shot.stat().st_size > 20_000, "screenshot looks empty"
