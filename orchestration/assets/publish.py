"""The publish step: copy the checked build into ``serving.duckdb``."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.publish import publish
from orchestration.resources import Warehouse

# Everything users read; publishing waits for all of it and for its blocking checks.
PUBLISHED_MODELS = [
    dg.AssetKey(["analytics", "indicator_values"]),
    dg.AssetKey(["analytics", "police_crimes"]),
]


@dg.asset(
    name="serving_database",
    group_name="publish",
    kinds={"duckdb"},
    deps=PUBLISHED_MODELS,
    description="serving.duckdb: the published copy that Superset and analysts read "
    "(read-only). Replaced whole, only after dbt tests and the data-quality checks pass.",
)
def serving_database(warehouse: Warehouse) -> dg.MaterializeResult:
    result = publish(Path(warehouse.home))
    return dg.MaterializeResult(
        metadata={
            "path": str(result.path),
            "bytes": result.bytes,
            **{f"rows {t}": n for t, n in result.tables.items()},
        }
    )
