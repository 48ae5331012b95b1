"""The one job: load every source, build and test with dbt, check, publish."""

from __future__ import annotations

import dagster as dg

# One process writes the build database at a time: steps run in order, in one process.
pvw_build = dg.define_asset_job(
    "pvw_build",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Load the landing folders, dbt build (models and tests), data-quality checks, "
    "and publish serving.duckdb when every blocking check passes.",
)
