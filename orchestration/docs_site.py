"""The dbt documentation site that `pvw serve` serves beside Superset and the Dagster UI:
every model, column, test, macro, the indicator catalogue and the dashboards (declared as dbt
exposures), with lineage from each dashboard back to the landing sources.

`build` runs `dbt docs generate --static` against the warehouse into $PVW_HOME/dbt_docs (one
self-contained static_index.html plus the usual index.html/manifest/catalog); `start` serves
that folder with Python's http.server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.run import PipelineError, run_lock
from orchestration.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR

PAGE = "static_index.html"


def docs_dir(home: Path) -> Path:
    return home / "dbt_docs"


def build(home: Path) -> Path:
    """Generate the site from the warehouse (under the run lock: never during a run)."""
    target = docs_dir(home)
    dbt = Path(sys.executable).parent / "dbt"
    with run_lock(home):
        proc = subprocess.run(
            [str(dbt), "docs", "generate", "--static", "--project-dir", str(DBT_PROJECT_DIR),
             "--profiles-dir", str(DBT_PROFILES_DIR), "--target-path", str(target),
             "--log-path", str(home / "logs"), "--quiet"],
            cwd=DBT_PROJECT_DIR, env={**os.environ, "PVW_HOME": str(home)},
            capture_output=True, text=True,
        )
    if proc.returncode != 0 or not (target / PAGE).exists():
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
        raise PipelineError("dbt docs generate failed: " + (lines[-1] if lines else "no output"))
    return target / PAGE


def start(home: Path, port: int) -> subprocess.Popen:
    """Serve the generated site on 127.0.0.1:port (stop it with the other servers)."""
    return subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(docs_dir(home))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def url(port: int, node: str | None = None) -> str:
    """The site's address; with ``node`` (e.g. 'exposure.pvw.national_comparison') its page."""
    base = f"http://127.0.0.1:{port}/{PAGE}"
    return f"{base}#!/{node.split('.')[0]}/{node}" if node else base
