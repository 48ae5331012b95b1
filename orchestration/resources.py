"""Dagster resources, chosen by environment (``PVW_HOME`` decides where everything lives)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging.version import Version

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


class PvwDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two start-up costs of every build that pvw does not
    use (together about 2.5 s of a monthly refresh, docs/bench.md):

    - the dbt version, which dagster-dbt asks ``dbt --version`` in a subprocess for each run
      (1.7 s), is the dbt-core installed beside this code (``dbt_executable`` is this
      environment's dbt);
    - the dbt adapter that dagster-dbt opens in this process before each build (loading the
      project's macros) serves only column and row-count metadata, which pvw does not fetch.
      Without it dagster-dbt also streams dbt's events as they come, instead of holding them
      all until dbt exits (what it does for a DuckDB adapter so that metadata queries can open
      the database)."""

    @property
    def _cli_version(self) -> Version:  # type: ignore[override]
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: object) -> None:  # type: ignore[override]
        return None


def build_resources() -> dict[str, object]:
    home = pvw_home()  # dbt's profile reads $PVW_HOME too (default ./data from the repo root)
    return {
        "warehouse": Warehouse(home=str(home)),
        "dbt": PvwDbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROFILES_DIR),
            target=dbt_target(),
            # the dbt of this environment, whether or not the venv is on PATH
            dbt_executable=str(Path(sys.executable).parent / "dbt"),
        ),
    }
