"""Superset configuration for pvw: a local, single-machine demo.

Loaded by Superset through ``SUPERSET_CONFIG_PATH`` (set by ``orchestration/superset_server.py``).
Everything machine-specific comes from the environment:

- ``PVW_HOME``: the data home. Superset keeps its SQLite metadata database in
  ``$PVW_HOME/superset/superset.db`` and reads its secret key from
  ``$PVW_HOME/secrets/superset_secret_key`` (written by the launcher on first run, never in git).

The analytics database itself ("pvw serving", the published DuckDB file opened read-only) is
declared in the import bundle under ``superset/assets/``, not here.
"""

from __future__ import annotations

import os
from pathlib import Path

_home_env = os.environ.get("PVW_HOME")
if not _home_env:
    raise RuntimeError("superset_config.py: PVW_HOME is not set (start Superset through pvw)")

PVW_HOME = Path(_home_env).expanduser().resolve()
SUPERSET_STATE_DIR = PVW_HOME / "superset"
SECRET_KEY_FILE = PVW_HOME / "secrets" / "superset_secret_key"

SUPERSET_STATE_DIR.mkdir(parents=True, exist_ok=True)
DATA_DIR = str(SUPERSET_STATE_DIR)
UPLOAD_FOLDER = str(SUPERSET_STATE_DIR / "uploads") + "/"

try:
    SECRET_KEY = SECRET_KEY_FILE.read_text().strip()
except FileNotFoundError as exc:
    raise RuntimeError(
        f"superset_config.py: secret key file {SECRET_KEY_FILE} is missing "
        "(it is created by orchestration.superset_server.ensure_secrets)"
    ) from exc
if not SECRET_KEY:
    raise RuntimeError(f"superset_config.py: secret key file {SECRET_KEY_FILE} is empty")

# Metadata (users, charts, dashboards) in SQLite next to the data.
SQLALCHEMY_DATABASE_URI = f"sqlite:///{SUPERSET_STATE_DIR / 'superset.db'}"
SQLALCHEMY_TRACK_MODIFICATIONS = False

# A demo on one machine: no example data, no Celery, no thumbnails or reports.
SUPERSET_LOAD_EXAMPLES = False
FEATURE_FLAGS: dict[str, bool] = {
    # Render every chart of a dashboard at once (not only those scrolled into view): the
    # dashboard is small, and screenshots and browser tests see all charts.
    "DASHBOARD_VIRTUALIZATION": False,
    # No sub-queries in custom SQL metrics, columns or filters: Superset checks no table access
    # inside them (only RLS), so with them on, any login could read any table of the serving
    # database (record-level views, marts) through a custom SQL metric on a dataset it may
    # read. No chart of the bundle needs one (business logic lives in dbt).
    "ALLOW_ADHOC_SUBQUERY": False,
    "ALERT_REPORTS": False,
    "THUMBNAILS": False,
    "ENABLE_TEMPLATE_PROCESSING": False,
    "TAGGING_SYSTEM": False,
    "GLOBAL_ASYNC_QUERIES": False,
    # Row level security also in SQL Lab: a partnership analyst's query on a record-level
    # table is rewritten to read only their partnership's rows (superset/roles.yaml).
    "RLS_IN_SQLLAB": True,
}

# Query results are never cached, so a freshly published serving file is visible on the next
# refresh. (Filter state and explore form data keep Superset's default metastore cache, which
# is shared by all web server workers.)
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
RATELIMIT_STORAGE_URI = "memory://"

# SQL Lab: synchronous, read-only. DML is also switched off on the database itself
# (allow_dml: false in superset/assets/databases), and the DuckDB file is opened read-only.
SQLLAB_ASYNC_TIME_LIMIT_SEC = 300
SQLLAB_TIMEOUT = 120
SQL_MAX_ROW = 100000
PREVENT_UNSAFE_DB_CONNECTIONS = True
ALLOW_FILE_UPLOAD = False

# Web server: local only, served over plain http.
SUPERSET_WEBSERVER_TIMEOUT = 120
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_SAMESITE = "Lax"
WTF_CSRF_ENABLED = True
ENABLE_PROXY_FIX = False

# Locale and display.
BABEL_DEFAULT_LOCALE = "en"
LANGUAGES: dict[str, dict[str, str]] = {}
APP_NAME = "pvw: partnership violence warehouse"

LOG_LEVEL = os.environ.get("PVW_SUPERSET_LOG_LEVEL", "WARNING")


def FLASK_APP_MUTATOR(app: object) -> None:  # noqa: N802 - the name Superset reads
    """Bind SQL Lab's Celery task before gunicorn's threads serve requests.

    Celery creates a task on first use and registers it before binding it to its app; two
    threads racing there fail one query with "'NoneType' object has no attribute 'push'"
    (seen once under tests/browser/test_refresh_under_load.py). Each worker process runs this
    once, single-threaded, at start-up.
    """
    from superset.sql_lab import get_sql_results

    assert get_sql_results.request_stack is not None  # evaluating the task binds it
