"""Dagster resources, chosen by environment (``PVW_HOME`` decides where everything lives)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from orchestration.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR, pvw_home


class Warehouse(dg.ConfigurableResource):
    """The build database. Only the pipeline writes it, one process at a time."""

    home: str

    @property
    def path(self) -> Path:
        return Path(self.home) / "warehouse.duckdb"

    def connect(self) -> duckdb.DuckDBPyConnection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path))
        con.execute("SET enable_progress_bar = false")
        return con


def build_resources() -> dict[str, object]:
    home = pvw_home()  # dbt's profile reads $PVW_HOME too (default ./data from the repo root)
    return {
        "warehouse": Warehouse(home=str(home)),
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROFILES_DIR),
            target=os.environ.get("PVW_DBT_TARGET", "dev"),
            # the dbt of this environment, whether or not the venv is on PATH
            dbt_executable=str(Path(sys.executable).parent / "dbt"),
        ),
    }
