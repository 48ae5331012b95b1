"""Access control as code (superset/roles.yaml, applied by superset/apply_roles.py): log in as
each role, through the API and in Chromium, and prove what it can and cannot see.

- the national viewer reads dashboards and chart data of aggregated tables, and nothing
  record-level; it has no SQL Lab;
- the Blackpool analyst (pvw_analyst_E22000151) reads record-level datasets limited to
  Blackpool by row level security, in charts and in SQL Lab; the admin reads every partnership;
- SQL Lab writes nothing for anybody: no DDL/DML, no COPY TO, no ATTACH of another file, and
  the serving file is unchanged;
- applying the roles again changes nothing; the demo passwords live under $PVW_HOME/secrets.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
import yaml

from orchestration.settings import serving_path
from orchestration.superset_server import (
    ROLES_PATH,
    apply_roles,
    demo_users,
    served_partnerships,
    state_dir,
    user_credentials,
)
from tests.browser.conftest import api_session, logged_in_page
from tests.superset_bundle import dashboards, datasets

pytestmark = pytest.mark.browser

BLACKPOOL = "E22000151"
ANALYST = f"analyst_{BLACKPOOL.lower()}"
VIEWER = "national_viewer"
VAP_SLUG = "violence-against-the-person"  # a dashboard of aggregated data only

ROLES = yaml.safe_load(ROLES_PATH.read_text())
AGGREGATED = set(ROLES["datasets"]["aggregated"])
RECORD_LEVEL = set(ROLES["datasets"]["record_level"])


def _bundle_tables() -> dict[str, dict[str, Any]]:
    """Every dataset of the bundle by schema.table."""
    return {f"{d['schema']}.{d['table_name']}": d for d in datasets().values()}


# --------------------------------------------------------------------------- roles.yaml


def test_every_dataset_is_classified() -> None:
    """Each dataset is either aggregated or record-level (an unclassified one would be
    readable by the admin only); record-level ones carry partnership_code for the RLS."""
    tables = _bundle_tables()
    unclassified = sorted(set(tables) - AGGREGATED - RECORD_LEVEL)
    assert not unclassified, f"classify in superset/roles.yaml: {unclassified}"
    assert not AGGREGATED & RECORD_LEVEL
    for name in RECORD_LEVEL & set(tables):
        columns = {c["column_name"] for c in tables[name]["columns"]}
        assert "partnership_code" in columns, f"{name}: RLS needs partnership_code"
    for name in ("analytics.police_crimes", "analytics.ae_assault_attendances",
                 "analytics.marac_cases", "analytics.probation_caseload"):
        assert name in tables and name in RECORD_LEVEL, name


def test_record_level_views_are_never_aggregated(published_home: Path) -> None:
    """The record-level models are the analytics views: none may be shared as aggregated."""
    with duckdb.connect(str(serving_path(published_home)), read_only=True) as con:
        views = {
            f"analytics.{name}" for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'analytics' and table_type = 'VIEW'"
            ).fetchall()
        }
    assert views, "no record-level views served"
    assert views <= RECORD_LEVEL, f"not classified record_level: {sorted(views - RECORD_LEVEL)}"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sessions(superset_url: str, published_home: Path) -> Iterator[dict[str, requests.Session]]:
    found = {
        user: api_session(superset_url, *user_credentials(published_home, user))
        for user in ("admin", VIEWER, ANALYST)
    }
    yield found
    for session in found.values():
        session.close()


@pytest.fixture(scope="module")
def dataset_ids(sessions: dict[str, requests.Session], superset_url: str) -> dict[str, int]:
    """schema.table -> Superset dataset id (as the admin sees them)."""
    resp = sessions["admin"].get(
        f"{superset_url}/api/v1/dataset/", params={"q": "(page_size:100)"}, timeout=30
    )
    assert resp.status_code == 200, resp.text[:200]
    return {f"{d['schema']}.{d['table_name']}": d["id"] for d in resp.json()["result"]}


@pytest.fixture(scope="module")
def database_id(sessions: dict[str, requests.Session], superset_url: str) -> int:
    resp = sessions["admin"].get(f"{superset_url}/api/v1/database/", timeout=30)
    (db,) = [d for d in resp.json()["result"] if d["database_name"] == "pvw serving"]
    return db["id"]


def _partnerships_in(session: requests.Session, url: str, dataset_id: int) -> requests.Response:
    """Chart-data query: rows per partnership_code of a dataset."""
    return session.post(
        f"{url}/api/v1/chart/data",
        json={
            "datasource": {"id": dataset_id, "type": "table"},
            "force": True,
            "queries": [{
                "columns": ["partnership_code"],
                "metrics": [{"expressionType": "SQL", "sqlExpression": "COUNT(*)",
                             "label": "rows"}],
                "filters": [], "extras": {}, "orderby": [], "row_limit": 1000,
            }],
            "result_format": "json",
            "result_type": "full",
        },
        timeout=120,
    )


def _codes(resp: requests.Response) -> set[str | None]:
    assert resp.status_code == 200, f"HTTP {resp.status_code} {resp.text[:300]}"
    (result,) = resp.json()["result"]
    assert not result.get("error"), result["error"]
    return {row["partnership_code"] for row in result["data"]}


def _sql(session: requests.Session, url: str, database_id: int, sql: str) -> requests.Response:
    return session.post(
        f"{url}/api/v1/sqllab/execute/",
        json={"database_id": database_id, "sql": sql, "schema": "analytics", "runAsync": False},
        timeout=120,
    )


def _succeeded(resp: requests.Response) -> bool:
    return resp.status_code == 200 and resp.json().get("status") == "success"


# --------------------------------------------------------------------------- national viewer


def test_national_viewer_reads_aggregated_dashboards(
    sessions: dict[str, requests.Session], superset_url: str
) -> None:
    """Every dashboard built on aggregated tables only opens, and the charts of the Violence
    against the person dashboard return rows for the national viewer."""
    viewer = sessions[VIEWER]
    aggregated_only = [d for d in dashboards() if d.tables() <= AGGREGATED]
    assert VAP_SLUG in {d.slug for d in aggregated_only}
    for dashboard in aggregated_only:
        resp = viewer.get(f"{superset_url}/api/v1/dashboard/{dashboard.slug}", timeout=30)
        assert resp.status_code == 200, f"{dashboard.slug}: HTTP {resp.status_code}"

    resp = viewer.get(f"{superset_url}/api/v1/dashboard/{VAP_SLUG}/charts", timeout=30)
    assert resp.status_code == 200, resp.text[:200]
    charts = resp.json()["result"]
    assert charts
    for summary in charts:
        chart = viewer.get(f"{superset_url}/api/v1/chart/{summary['id']}", timeout=30)
        assert chart.status_code == 200, chart.text[:200]
        data = viewer.post(
            f"{superset_url}/api/v1/chart/data",
            json=json.loads(chart.json()["result"]["query_context"]),
            timeout=120,
        )
        assert data.status_code == 200, f"{summary['slice_name']}: {data.text[:300]}"
        assert all(r["rowcount"] > 0 for r in data.json()["result"]), summary["slice_name"]


def test_national_viewer_cannot_read_record_level_data(
    sessions: dict[str, requests.Session], superset_url: str, dataset_ids: dict[str, int]
) -> None:
    viewer = sessions[VIEWER]
    resp = viewer.get(f"{superset_url}/api/v1/dataset/", params={"q": "(page_size:100)"},
                      timeout=30)
    assert resp.status_code == 200, resp.text[:200]
    listed = {f"{d['schema']}.{d['table_name']}" for d in resp.json()["result"]}
    assert listed, "the national viewer sees no dataset at all"
    assert listed <= AGGREGATED, f"record-level datasets listed: {sorted(listed - AGGREGATED)}"

    for table in sorted(RECORD_LEVEL & set(dataset_ids)):
        resp = _partnerships_in(viewer, superset_url, dataset_ids[table])
        assert resp.status_code == 403, f"{table}: HTTP {resp.status_code} {resp.text[:200]}"


def test_custom_sql_cannot_reach_other_tables(
    sessions: dict[str, requests.Session], superset_url: str, dataset_ids: dict[str, int]
) -> None:
    """A custom SQL metric with a sub-query on a dataset one may read would read any table
    (Superset checks no access inside it): ALLOW_ADHOC_SUBQUERY is off, so it is refused."""
    for user in (VIEWER, ANALYST):
        for table in ("analytics.police_crimes", "marts.fct_police_crimes"):
            resp = sessions[user].post(
                f"{superset_url}/api/v1/chart/data",
                json={
                    "datasource": {"id": dataset_ids["analytics.vap_by_partnership_year"],
                                   "type": "table"},
                    "queries": [{"columns": [], "row_limit": 1, "metrics": [{
                        "expressionType": "SQL", "label": "leak",
                        "sqlExpression": f"(select count(*) from {table})",
                    }]}],
                    "result_format": "json", "result_type": "full",
                },
                timeout=60,
            )
            assert resp.status_code != 200, f"{user} read {table}: {resp.text[:300]}"


def test_national_viewer_has_no_sql_lab(
    sessions: dict[str, requests.Session], superset_url: str, database_id: int
) -> None:
    viewer = sessions[VIEWER]
    for sql in ("select count(*) from analytics.indicator_values",
                "select count(*) from analytics.police_crimes"):
        resp = _sql(viewer, superset_url, database_id, sql)
        assert resp.status_code == 403, f"{sql}: HTTP {resp.status_code} {resp.text[:200]}"


# --------------------------------------------------------------------------- analysts


def test_analyst_charts_see_only_their_partnership(
    sessions: dict[str, requests.Session], superset_url: str, dataset_ids: dict[str, int]
) -> None:
    """Row level security: the Blackpool analyst's chart-data query on every record-level
    dataset returns only Blackpool; the admin's returns several partnerships. Aggregated
    datasets are not filtered."""
    record_level = sorted(RECORD_LEVEL & set(dataset_ids))
    assert "analytics.police_crimes" in record_level
    for table in record_level:
        mine = _codes(_partnerships_in(sessions[ANALYST], superset_url, dataset_ids[table]))
        everyone = _codes(_partnerships_in(sessions["admin"], superset_url, dataset_ids[table]))
        assert mine == {BLACKPOOL}, f"{table}: analyst sees {mine}"
        assert len(everyone - {None}) >= 2, f"{table}: admin sees {everyone}"

    resp = sessions[ANALYST].post(
        f"{superset_url}/api/v1/chart/data",
        json={
            "datasource": {"id": dataset_ids["analytics.vap_by_partnership_year"],
                           "type": "table"},
            "queries": [{"columns": ["area_code"], "metrics": ["offences"], "row_limit": 100}],
            "result_format": "json", "result_type": "full",
        },
        timeout=120,
    )
    assert resp.status_code == 200, resp.text[:300]
    assert len(resp.json()["result"][0]["data"]) >= 2, "aggregated data should not be limited"


def test_analyst_sql_lab_rows_are_limited_by_rls(
    sessions: dict[str, requests.Session], superset_url: str, database_id: int
) -> None:
    """RLS_IN_SQLLAB: however the analyst writes the query, only Blackpool's records come
    back; the mart tables behind the views (no datasets) are refused."""
    queries = [
        "select partnership_code, count(*) as n from analytics.police_crimes group by 1",
        "with c as (select * from analytics.police_crimes) "
        "select partnership_code, count(*) as n from c group by 1",
        "select partnership_code, count(*) as n from (select * from analytics.marac_cases) "
        "as m group by 1",
    ]
    for sql in queries:
        resp = _sql(sessions[ANALYST], superset_url, database_id, sql)
        assert _succeeded(resp), f"{sql}: HTTP {resp.status_code} {resp.text[:300]}"
        assert {r["partnership_code"] for r in resp.json()["data"]} == {BLACKPOOL}, sql
    resp = _sql(sessions["admin"], superset_url, database_id, queries[0])
    assert _succeeded(resp), resp.text[:300]
    assert len({r["partnership_code"] for r in resp.json()["data"]} - {None}) >= 2

    for sql in ("select count(*) from marts.fct_police_crimes",
                "select count(*) from serving.analytics.police_crimes"):
        resp = _sql(sessions[ANALYST], superset_url, database_id, sql)
        assert not _succeeded(resp), f"{sql} should be refused: {resp.text[:200]}"
        assert "TABLE_SECURITY_ACCESS_ERROR" in resp.text, resp.text[:300]


def test_sql_lab_refuses_writes(
    sessions: dict[str, requests.Session],
    superset_url: str,
    database_id: int,
    published_home: Path,
) -> None:
    """No statement changes the serving database, for anybody (allow_dml false, and the
    DuckDB file is opened read-only); the national viewer has no SQL Lab at all."""
    served = serving_path(published_home)
    before = (hashlib.sha256(served.read_bytes()).hexdigest(), served.stat().st_mtime_ns)
    writes = [
        "create table x as select 1 as a",
        "create table analytics.x as select 1 as a",
        "insert into ops.load_log select * from ops.load_log limit 1",
        "drop view analytics.police_crimes",
        "select 1 as a; delete from analytics.indicator_values",
    ]
    for user in ("admin", ANALYST):
        for sql in writes:
            resp = _sql(sessions[user], superset_url, database_id, sql)
            assert not _succeeded(resp), f"{user} ran {sql!r}: {resp.text[:200]}"
    resp = _sql(sessions[VIEWER], superset_url, database_id, writes[0])
    assert resp.status_code == 403
    after = (hashlib.sha256(served.read_bytes()).hexdigest(), served.stat().st_mtime_ns)
    assert after == before, "the serving database changed"


def test_sql_lab_cannot_touch_files(
    sessions: dict[str, requests.Session], superset_url: str, database_id: int, tmp_path: Path
) -> None:
    """SQL Lab reaches no file outside the serving database: COPY TO, ATTACH and the file
    readers are refused (DuckDB's enable_external_access is off in the connection)."""
    copied, attached = tmp_path / "copied.csv", tmp_path / "attached.duckdb"
    secret = tmp_path / "secret.txt"
    secret.write_text("not for SQL Lab\n")
    statements = [
        f"copy (select 1 as a) to '{copied}'",
        f"select 1 as a; copy (select 2 as a) to '{copied}'",
        f"attach '{attached}' as scratch",
        f"select * from read_text('{secret}')",
    ]
    for user in ("admin", ANALYST):
        for sql in statements:
            resp = _sql(sessions[user], superset_url, database_id, sql)
            assert not _succeeded(resp), f"{user} ran {sql!r}: {resp.text[:200]}"
            assert "not for SQL Lab" not in resp.text
    assert not copied.exists() and not attached.exists(), "SQL Lab wrote a file"


# --------------------------------------------------------------------------- roles as code

_MANAGED = {
    "ab_role": "select name from ab_role",
    "role permissions": "select r.name, pr.permission_view_id from ab_permission_view_role pr "
                        "join ab_role r on r.id = pr.role_id",
    "rls filters": "select * from row_level_security_filters",
    "rls tables": "select rls_filter_id, table_id from rls_filter_tables",
    "rls roles": "select rls_filter_id, role_id from rls_filter_roles",
    "users": "select username, first_name, last_name, active, password, changed_on from ab_user",
    "user roles": "select user_id, role_id from ab_user_role",
}


def _snapshot(home: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(f"file:{state_dir(home) / 'superset.db'}?mode=ro", uri=True)
    try:
        return {key: sorted(con.execute(sql).fetchall(), key=repr)
                for key, sql in _MANAGED.items()}
    finally:
        con.close()


def test_roles_are_applied_idempotently(published_home: Path, superset_url: str) -> None:
    """One analyst role and one RLS filter per served partnership; applying roles.yaml a
    second time changes nothing (Superset is up, so the first apply has happened)."""
    before = _snapshot(published_home)
    codes = [code for code, _name in served_partnerships(published_home)]
    roles = {name for (name,) in before["ab_role"]}
    assert {f"pvw_analyst_{code}" for code in codes} <= roles
    assert "pvw_national_viewer" in roles
    assert len(before["rls filters"]) >= len(codes)
    apply_roles(published_home)
    assert _snapshot(published_home) == before


def test_demo_passwords_are_secrets_of_the_home(published_home: Path) -> None:
    secrets = published_home / "secrets"
    passwords = set()
    for user in demo_users():
        path = secrets / f"superset_password_{user.username}"
        assert path.exists(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        passwords.add(user_credentials(published_home, user.username)[1])
    assert len(passwords) == len(demo_users()), "demo users share a password"
    assert not any(p in ROLES_PATH.read_text() for p in passwords)


# --------------------------------------------------------------------------- browser

_CHARTS_DRAWN = """
(expected) => {
  const charts = document.querySelectorAll('[data-test="chart-grid-component"]');
  if (charts.length < expected) return false;
  return Array.from(charts).every((c) => {
    if (c.querySelector('.loading, [data-test="loading-indicator"]')) return false;
    const body = c.querySelector('[data-test="slice-container"]');
    return Boolean(c.querySelector('.ant-alert-error, [data-test="error-alert"]')
      || (body && body.querySelector('canvas, svg, table tbody tr'))
      || (body && /\\d/.test(body.innerText || '')));
  });
}
"""


def test_national_viewer_in_browser(superset_url: str, published_home: Path) -> None:
    """In Chromium the national viewer opens an aggregated dashboard and sees every chart
    drawn without error, has no SQL Lab menu, and is refused SQL Lab's page."""
    (dashboard,) = [d for d in dashboards() if d.slug == VAP_SLUG]
    expected = len(dashboard.chart_uuids())
    username, password = user_credentials(published_home, VIEWER)
    with logged_in_page(superset_url, username, password, timeout_ms=60_000) as page:
        page.goto(f"{superset_url}/superset/dashboard/{VAP_SLUG}/")
        page.wait_for_selector('[data-test="chart-grid-component"]')
        page.wait_for_function(_CHARTS_DRAWN, arg=expected, timeout=120_000)
        charts = page.locator('[data-test="chart-grid-component"]')
        assert charts.count() == expected
        errors = page.locator(
            '[data-test="chart-grid-component"] .ant-alert-error, '
            '[data-test="chart-grid-component"] [data-test="error-alert"]'
        )
        assert errors.count() == 0, errors.first.inner_text()
        assert page.locator('a[href*="sqllab"]').count() == 0, "SQL Lab menu shown"

        resp = page.goto(f"{superset_url}/sqllab/")
        assert resp is not None and resp.status == 403, f"SQL Lab page: {resp and resp.status}"

