"""The Dagster code location: merges the small modules by domain, and nothing else."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import pvw_dbt_models
from orchestration.assets.ingest import ingest_assets, ingest_checks, ingest_log
from orchestration.assets.publish import serving_database
from orchestration.assets.quality import quality_checks
from orchestration.jobs import pvw_build
from orchestration.resources import build_resources
from orchestration.run import pvw_progress
from orchestration.schedules import schedules
from orchestration.sensors import sensors

defs = dg.Definitions(
    assets=[*ingest_assets, ingest_log, pvw_dbt_models, serving_database],
    asset_checks=[*ingest_checks, *quality_checks],
    jobs=[pvw_build],
    schedules=schedules,
    sensors=sensors,
    resources=build_resources(),
    loggers={"pvw_progress": pvw_progress, "console": dg.default_loggers()["console"]},
)
