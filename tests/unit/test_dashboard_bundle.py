"""The Superset bundle as code: every dashboard follows the conventions the browser tests and
users rely on, reads only physical `analytics` tables, and is declared as a dbt exposure that
depends on every table its charts read (so dbt docs show its lineage)."""

from __future__ import annotations

import re

import pytest
import yaml

from orchestration.settings import REPO_ROOT
from tests.superset_bundle import charts, dashboards, datasets, load_yaml

EXPOSURES = REPO_ROOT / "dbt_project" / "models" / "exposures.yml"
PUBLISHED_SOURCES = REPO_ROOT / "dbt_project" / "models" / "analytics" / "_published__sources.yml"


def _published_tables() -> set[str]:
    """analytics tables the publish step writes (declared as the dbt source `published`)."""
    (source,) = yaml.safe_load(PUBLISHED_SOURCES.read_text())["sources"]
    assert source["name"] == "published" and source["schema"] == "analytics"
    return {t["name"] for t in source["tables"]}


def _exposures() -> dict[str, dict]:
    return {e["name"]: e for e in yaml.safe_load(EXPOSURES.read_text())["exposures"]}


@pytest.mark.parametrize("dashboard", dashboards(), ids=lambda d: d.slug)
def test_dashboard_is_declared_as_an_exposure_with_its_tables(dashboard) -> None:
    matching = [e for e in _exposures().values()
                if e["url"].rstrip("/").endswith(f"/superset/dashboard/{dashboard.slug}")]
    assert len(matching) == 1, f"{dashboard.slug}: needs exactly one exposure in {EXPOSURES}"
    (exposure,) = matching
    assert exposure["type"] == "dashboard" and exposure["label"] == dashboard.title
    refs = {re.fullmatch(r"(?:ref\('|source\('published', ')(\w+)'\)", r).group(1)
            for r in exposure["depends_on"]}
    read = {t.split(".", 1)[1] for t in dashboard.tables()}
    assert read <= refs, f"{dashboard.slug}: exposure misses {sorted(read - refs)}"
    # the dashboard links to its lineage page in the dbt docs site
    assert f"exposure/exposure.pvw.{exposure['name']}" in dashboard.markdown(), dashboard.slug


@pytest.mark.parametrize("dashboard", dashboards(), ids=lambda d: d.slug)
def test_dashboard_conventions(dashboard) -> None:
    placed = dashboard.chart_uuids()
    assert len(placed) >= 3, dashboard.slug
    assert len(set(placed)) == len(placed)
    assert dashboard.config.get("description"), f"{dashboard.slug}: no description"
    assert "About this dashboard" in dashboard.markdown(), f"{dashboard.slug}: no About text"
    names = [f["name"] for f in dashboard.native_filters()]
    assert "Partnership" in names, f"{dashboard.slug}: no Partnership filter ({names})"
    for f in dashboard.native_filters():
        for target in f.get("targets", []):
            if "datasetUuid" in target:
                assert target["datasetUuid"] in datasets(), (dashboard.slug, f["name"])
    for chart in dashboard.charts():
        name = chart["slice_name"]
        assert chart["description"], f"{dashboard.slug}/{name}: no description"
        assert chart["query_context"], f"{dashboard.slug}/{name}: no saved query_context"
        assert chart["dataset_uuid"] in datasets(), f"{name}: unknown dataset"


def test_every_chart_is_placed_and_every_name_is_unique() -> None:
    placed = {u for d in dashboards() for u in d.chart_uuids()}
    assert placed == set(charts()), "charts/ and the dashboards disagree"
    names = [c["slice_name"] for c in charts().values()]
    assert len(names) == len(set(names)), "two charts share a title"
    slugs = [d.slug for d in dashboards()]
    assert len(slugs) == len(set(slugs))


def test_datasets_are_physical_analytics_tables() -> None:
    """Business logic lives in dbt: no virtual (SQL) datasets, only the analytics schema."""
    for d in datasets().values():
        assert d["schema"] == "analytics", d["table_name"]
        assert not d.get("sql"), f"{d['table_name']}: a virtual dataset; write a dbt model"
        model = REPO_ROOT / "dbt_project" / "models" / "analytics" / f"{d['table_name']}.sql"
        assert model.exists() or d["table_name"] in _published_tables(), (
            f"{d['table_name']}: no dbt model {model}")


def test_serving_database_connection_is_read_only() -> None:
    (database,) = (load_yaml(p) for p in (REPO_ROOT / "superset" / "assets" / "databases")
                   .glob("*.yaml"))
    assert database["database_name"] == "pvw serving"
    assert "{{SERVING_DB}}" in database["sqlalchemy_uri"]
    assert "access_mode=read_only" in database["sqlalchemy_uri"]
    assert database["allow_dml"] is False
