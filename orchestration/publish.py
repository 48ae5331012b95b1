"""Publishing: the serving database changes only as a whole.

The build database is checkpointed and closed, copied next to the serving file, and the copy
is moved over the serving file with ``os.replace`` (atomic on one filesystem). A stale
``serving.duckdb.wal`` would make every reader fail after the swap, so it is removed first.
Readers (Superset, analysts) open the serving file read-only and see the new data on their
next query. ../shared/STACK_NOTES.md records the measurement behind this design.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.settings import serving_path, warehouse_path


@dataclass(frozen=True)
class Published:
    path: Path
    bytes: int
    tables: dict[str, int]  # analytics table -> rows


def publish(home: Path) -> Published:
    build, served = warehouse_path(home), serving_path(home)
    if not build.exists():
        raise FileNotFoundError(f"no build database at {build}: run the pipeline first")
    con = duckdb.connect(str(build))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    staged = served.with_name(served.name + ".next")
    shutil.copyfile(build, staged)
    # The copy must open cleanly on its own before it replaces anything.
    check = duckdb.connect(str(staged), read_only=True)
    try:
        names = check.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema = 'analytics' ORDER BY 1"
        ).fetchall()
        tables = {
            name: check.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
            for (name,) in names
        }
    finally:
        check.close()
    stale_wal = served.with_name(served.name + ".wal")
    if stale_wal.exists():
        stale_wal.unlink()
    os.replace(staged, served)
    return Published(served, served.stat().st_size, tables)
