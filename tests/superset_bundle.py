"""Reading the Superset asset bundle under superset/assets/ (shared by the bundle and
browser tests): dashboards, the charts each places, the datasets they read, and the columns
a chart's params and saved query context name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from orchestration.superset_server import ASSETS_DIR


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


@cache
def charts() -> dict[str, dict[str, Any]]:
    """Every chart of the bundle by uuid."""
    found = [load_yaml(p) for p in sorted((ASSETS_DIR / "charts").glob("*.yaml"))]
    return {c["uuid"]: c for c in found}


@cache
def datasets() -> dict[str, dict[str, Any]]:
    """Every dataset of the bundle by uuid."""
    found = [load_yaml(p) for p in sorted((ASSETS_DIR / "datasets").rglob("*.yaml"))]
    return {d["uuid"]: d for d in found}


@dataclass(frozen=True)
class Dashboard:
    path: Path
    config: dict[str, Any]

    @property
    def slug(self) -> str:
        return self.config["slug"]

    @property
    def title(self) -> str:
        return self.config["dashboard_title"]

    def chart_uuids(self) -> list[str]:
        return [
            node["meta"]["uuid"]
            for node in self.config["position"].values()
            if isinstance(node, dict) and node.get("type") == "CHART"
        ]

    def charts(self) -> list[dict[str, Any]]:
        return [charts()[u] for u in self.chart_uuids()]

    def tables(self) -> set[str]:
        """schema.table of every dataset its charts read."""
        found = set()
        for chart in self.charts():
            d = datasets()[chart["dataset_uuid"]]
            found.add(f"{d['schema']}.{d['table_name']}")
        return found

    def native_filters(self) -> list[dict[str, Any]]:
        return self.config.get("metadata", {}).get("native_filter_configuration", [])

    def markdown(self) -> str:
        return "\n".join(
            node["meta"].get("code", "")
            for node in self.config["position"].values()
            if isinstance(node, dict) and node.get("type") == "MARKDOWN"
        )


@cache
def dashboards() -> tuple[Dashboard, ...]:
    return tuple(
        Dashboard(p, load_yaml(p)) for p in sorted((ASSETS_DIR / "dashboards").glob("*.yaml"))
    )


def column_refs(value: Any) -> set[str]:
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
            refs |= column_refs(item)
    return refs


def chart_columns(chart: dict[str, Any]) -> set[str]:
    params = chart["params"]
    cols: set[str] = set()
    for key in ("x_axis", "groupby", "groupbyRows", "groupbyColumns", "all_columns", "columns",
                "series", "entity"):
        if params.get(key):
            cols |= column_refs(params[key])
    for entry in params.get("order_by_cols") or []:
        cols.add(json.loads(entry)[0])
    cols |= column_refs(params.get("adhoc_filters") or [])
    if chart.get("query_context"):
        for query in json.loads(chart["query_context"])["queries"]:
            cols |= column_refs(query.get("columns") or [])
            cols |= column_refs(query.get("filters") or [])
            for column, _asc in query.get("orderby") or []:
                if isinstance(column, str):
                    cols.add(column)
    return cols
