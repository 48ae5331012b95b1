"""The bench times each chart as its dashboard opens it (issue 7): the dashboard's native
filters' defaults, resolved against the real Superset the browser tests start."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.bench_charts import Api, dashboard_charts, time_chart
from orchestration.settings import serving_path
from orchestration.superset_server import admin_credentials

VAP = "Violence against the person offences per 1000 residents"


def test_charts_are_timed_with_the_filters_their_dashboard_opens_with(
    superset_url: str, published_home: Path
) -> None:
    api = Api(superset_url, *admin_credentials(published_home))
    charts = dashboard_charts(api)
    funnel = next(cid for cid, (name, _, _) in charts.items() if name.startswith("Funnel plot"))
    name, dashboards, filters = charts[funnel]
    assert dashboards == ["National comparison"]
    by_column = {f["col"]: f["val"] for f in filters}
    # the Indicator filter's saved default, and the Period filter's first value for it:
    # the latest period of that indicator (sorted by its latest_period_first metric)
    assert by_column["indicator_name"] == [VAP]
    with duckdb.connect(str(serving_path(published_home)), read_only=True) as con:
        latest = con.execute(
            "SELECT period_label FROM analytics.funnel_plot_points WHERE indicator_name = ? "
            "ORDER BY period_start DESC LIMIT 1", [VAP]).fetchone()[0]
    assert by_column["period_label"] == [latest]

    opened = time_chart(api, funnel, name, dashboards, repeats=2, filters=filters)
    saved = time_chart(api, funnel, name, dashboards, repeats=2)
    assert not opened.errors and not saved.errors
    assert 0 < opened.rows < saved.rows  # one indicator and year, not all of them
