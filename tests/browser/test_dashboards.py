"""Superset against the real published serving database: API, browser and bundle checks.

Needs ``.venv-superset`` (see ``superset/requirements.txt``), Debian's Chromium at
``/usr/bin/chromium`` and the ``published_home`` fixture (a PVW_HOME whose ``serving.duckdb``
the pipeline published). The screenshot goes to ``<repo>/artifacts/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from orchestration.settings import REPO_ROOT, serving_path
from orchestration.superset_server import admin_credentials
from tests.browser.conftest import logged_in_page
from tests.superset_bundle import Dashboard, chart_columns, dashboards, datasets

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "artifacts"
RENDER_TIMEOUT_MS = 120_000
DASHBOARDS = pytest.mark.parametrize("dashboard", dashboards(), ids=lambda d: d.slug)


# --------------------------------------------------------------------------- the bundle


def test_bundle_columns_exist_in_serving_db(published_home: Path) -> None:
    """Every table, column and metric the dataset, chart and filter YAML name is served."""
    con = duckdb.connect(str(serving_path(published_home)), read_only=True)
    try:
        columns: dict[str, set[str]] = {}
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema = 'analytics'"
        ).fetchall():
            columns.setdefault(f"{schema}.{table}", set()).add(column)
        for dataset in datasets().values():
            table = f"{dataset['schema']}.{dataset['table_name']}"
            served = columns.get(table)
            assert served, f"dataset {table} is not in the serving database"
            missing = {c["column_name"] for c in dataset["columns"]} - served
            assert not missing, f"dataset {table} names columns it lacks: {sorted(missing)}"
            if dataset.get("main_dttm_col"):
                assert dataset["main_dttm_col"] in served, table
            for metric in dataset.get("metrics") or []:  # saved metrics compile
                con.execute(f"select {metric['expression']} from {table}").fetchall()
        for dashboard in dashboards():
            for chart in dashboard.charts():
                dataset = datasets()[chart["dataset_uuid"]]
                table = f"{dataset['schema']}.{dataset['table_name']}"
                metric_names = {m["metric_name"] for m in dataset.get("metrics") or []}
                unknown = chart_columns(chart) - metric_names - columns[table]
                assert not unknown, f"{chart['slice_name']!r} names unknown columns {unknown}"
                for metric in chart["params"].get("metrics") or [chart["params"].get("metric")]:
                    if isinstance(metric, str):
                        assert metric in metric_names, f"{chart['slice_name']!r}: {metric}"
            for nf in dashboard.native_filters():
                for target in nf.get("targets", []):
                    if "datasetUuid" in target and "column" in target:
                        d = datasets()[target["datasetUuid"]]
                        assert target["column"]["name"] in columns[
                            f"{d['schema']}.{d['table_name']}"], (dashboard.slug, nf["name"])
    finally:
        con.close()


# --------------------------------------------------------------------------- Superset


@DASHBOARDS
def test_dashboard_charts_return_data(
    api: requests.Session, superset_url: str, dashboard: Dashboard
) -> None:
    """Every chart of the dashboard, asked through Superset's chart-data API, returns rows."""
    resp = api.get(f"{superset_url}/api/v1/dashboard/{dashboard.slug}", timeout=30)
    assert resp.status_code == 200, f"dashboard {dashboard.slug} not found: {resp.text[:200]}"
    assert resp.json()["result"]["dashboard_title"] == dashboard.title

    resp = api.get(f"{superset_url}/api/v1/dashboard/{dashboard.slug}/charts", timeout=30)
    assert resp.status_code == 200, resp.text[:200]
    served = resp.json()["result"]
    assert len(served) == len(dashboard.chart_uuids())

    for summary in served:
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


def _choose_partnership(page, name: str) -> None:
    """Pick one partnership in the dashboard's "Partnership" native filter and apply it."""
    label = page.locator('h4[data-test="filter-control-name"]', has_text="Partnership")
    item = page.locator(".ant-form-item", has=label).first
    item.locator(".ant-select").first.click()
    page.keyboard.type(name)
    page.wait_for_timeout(1500)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.click('[data-test="filter-bar__apply-button"]')


def _settled_states(page, expected: int) -> list[dict[str, Any]]:
    page.wait_for_function(_ALL_CHARTS_SETTLED, arg=expected, timeout=RENDER_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # let ECharts finish its entry animation
    return page.evaluate(_CHART_STATES)


@DASHBOARDS
def test_dashboard_renders_in_browser(
    superset_url: str, published_home: Path, dashboard: Dashboard
) -> None:
    """Opened in Chromium: every chart draws, none shows an error or "No results", and
    choosing a partnership in the Partnership filter changes what the charts show."""
    expected = len(dashboard.chart_uuids())
    titles = {c["slice_name"] for c in dashboard.charts()}
    username, password = admin_credentials(published_home)
    with duckdb.connect(str(serving_path(published_home)), read_only=True) as con:
        (partnership,) = con.execute(
            "select partnership_name from marts.dim_partnerships where partnership_code = "
            "'E22000151'"  # Blackpool, a demo partnership
        ).fetchone()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"dashboard-{dashboard.slug}.png"

    with logged_in_page(superset_url, username, password) as page:
        page.goto(f"{superset_url}/superset/dashboard/{dashboard.slug}/")
        page.wait_for_selector('[data-test="chart-grid-component"]')
        states = _settled_states(page, expected)
        page.screenshot(path=str(shot), full_page=True)
        _choose_partnership(page, partnership)
        page.wait_for_timeout(2000)
        filtered = _settled_states(page, expected)

    assert len(states) == expected, f"{len(states)} charts rendered, YAML has {expected}"
    assert {s["title"] for s in states} == titles
    for state in states:
        name = state["title"]
        assert not state["error"], f"{name}: shows an error: {state['text']!r}"
        assert "No results" not in state["text"], f"{name}: shows 'No results'"
        assert state["graphics"] or state["rows"], f"{name}: nothing drawn: {state['text']!r}"
        assert re.search(r"\d", state["bodyText"]) or state["graphics"], f"{name}: no numbers"
    changed = [a["title"] for a, b in zip(states, filtered, strict=True)
               if (a["text"], a["bodyText"]) != (b["text"], b["bodyText"])]
    assert changed, f"{dashboard.slug}: choosing {partnership} changed no chart"
    for state in filtered:
        assert not state["error"], f"{state['title']} after filtering: {state['text']!r}"
    assert shot.stat().st_size > 20_000, "screenshot looks empty"
