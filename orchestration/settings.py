"""Where everything lives: the one place that knows paths.

Every other module asks here instead of walking up from ``__file__``.
``PVW_HOME`` (default ``<repo>/data``) holds the landing folders, the build and
serving databases, and the Dagster and Superset state.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT: Path = Path(os.environ.get("PVW_REPO", Path(__file__).resolve().parent.parent)).resolve()
DBT_PROJECT_DIR: Path = REPO_ROOT  # dbt_project.yml sits at the repository root
DBT_PROFILES_DIR: Path = REPO_ROOT / "dbt_project"


def pvw_home() -> Path:
    """The data home: ``$PVW_HOME`` if set, else ``<repo>/data``; always absolute."""
    return Path(os.environ.get("PVW_HOME", REPO_ROOT / "data")).expanduser().resolve()


def landing_dir(home: Path | None = None) -> Path:
    """Extract files, one folder per source; ``$PVW_LANDING`` overrides it."""
    override = os.environ.get("PVW_LANDING")
    if override:
        return Path(override).expanduser().resolve()
    return (home or pvw_home()) / "landing"


def warehouse_path(home: Path | None = None) -> Path:
    """The build database: only the pipeline writes it."""
    return (home or pvw_home()) / "warehouse.duckdb"


def serving_path(home: Path | None = None) -> Path:
    """The published copy that Superset and analysts read (read-only)."""
    return (home or pvw_home()) / "serving.duckdb"


def dbt_target() -> str:
    """The dbt target (``$PVW_DBT_TARGET``, default ``dev``) that every dbt command names."""
    return os.environ.get("PVW_DBT_TARGET", "dev")


def dagster_home(home: Path | None = None) -> Path:
    return (home or pvw_home()) / "dagster"


# The demo's extracts cover five financial years: enough annual points for the recent-trend test.
DEMO_START = "2019-04"
DEMO_MONTHS = 60
# `pvw demo` gives this share of rows a real-world fault (bad dates, unknown codes, blanks,
# duplicates), so that the Data sharing dashboard has quarantined rows and reasons to show.
DEMO_DEFECTS = 0.005
