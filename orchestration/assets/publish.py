"""The publish step: copy the checked build into ``serving.duckdb``."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.assets.dbt import pvw_dbt_models
from orchestration.publish import publish
from orchestration.resources import Warehouse

# Publishing waits for every dbt model (and so for all their blocking checks).
PUBLISHED_MODELS = sorted(pvw_dbt_models.keys, key=lambda k: k.to_user_string())


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
