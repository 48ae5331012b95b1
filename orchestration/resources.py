"""Dagster resources, chosen by environment (``PVW_HOME`` decides where everything lives)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from orchestration.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR, dbt_target, pvw_home


class Warehouse(dg.ConfigurableResource):
    """The build database. Only the pipeline writes it, one process at a time."""

    home: str

    @property
    def path(self) -> Path:
        return Path(self.home) / "warehouse.duckdb"

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[Warehouse]:
        """Once per run, whoever launched it: one run at a time, and a run that fails is
        recorded in the publish history (orchestration/run.py, guarded_run)."""
        from orchestration.run import guarded_run

        if context.run is None or context.instance is None:  # outside a run
            yield self
            return
        with guarded_run(Path(self.home), context.run.run_id, context.instance):
            yield self

    def connect(self) -> duckdb.DuckDBPyConnection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path))
        con.execute("SET enable_progress_bar = false")
        # the loader's batches stay within this; DuckDB spills to disk beyond it
        con.execute(f"SET memory_limit = '{os.environ.get('PVW_LOAD_MEMORY_LIMIT', '2GB')}'")
        return con


def build_resources() -> dict[str, object]:
    home = pvw_home()  # dbt's profile reads $PVW_HOME too (default ./data from the repo root)
    return {
        "warehouse": Warehouse(home=str(home)),
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROFILES_DIR),
            target=dbt_target(),
            # the dbt of this environment, whether or not the venv is on PATH
            dbt_executable=str(Path(sys.executable).parent / "dbt"),
        ),
    }
