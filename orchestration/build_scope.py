"""What a dbt build has to rebuild: the models downstream of the sources that changed.

A build after a complete one (same project, every test passed: assets/dbt.py) need not
rebuild what no new data reaches. The loader logs every landing file it loads, rejects or
supersedes in ``ops.load_log``, and writes a source's raw table only with such a load, so a
source's rows changed since the last build exactly when its loads did. The last build's
stamp (in the warehouse: :func:`record_build`) keeps what the loads were; the next build
compares, and leaves out:

- every model and seed that no changed source reaches (its inputs are what it was built
  from), with the tests whose every parent is left out (dbt's cautious indirect selection:
  a relationships test from a rebuilt fact to an unchanged dimension still runs);
- the tests of unchanged sources;
- seeds and unit tests: the project is the one whose last build loaded the seeds and passed
  the unit tests (they test the models' SQL on fixed inputs, not the data).

With nothing changed, nothing is rebuilt.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

LoadState = dict[str, list]

# the ops tables are written by every load: they change whenever any source does
OPS_SOURCE = "ops"


# the last complete build's stamp lives in the database it describes: a warehouse set aside
# or rebuilt from empty (pvw rebuild) has none, and is built in full
STAMP_TABLE = "ops.dbt_last_build"


def last_build(warehouse: Path) -> tuple[dict, LoadState]:
    """The last complete build's stamp ({} when there is none: the next build is a full
    one), removed from the warehouse (written back by :func:`record_build` only after a
    complete build that passed), and the loads the warehouse holds now."""
    if not warehouse.exists():
        return {}, {}
    con = duckdb.connect(str(warehouse))
    try:
        stamp = {}
        if _exists(con, "ops", "dbt_last_build"):
            row = con.execute(f"SELECT stamp FROM {STAMP_TABLE}").fetchone()
            con.execute(f"DELETE FROM {STAMP_TABLE}")
            try:
                stamp = json.loads(row[0]) if row else {}
            except ValueError:
                stamp = {}
        return (stamp if isinstance(stamp, dict) else {}), _load_state(con)
    finally:
        con.close()


def record_build(warehouse: Path, fingerprint: str, loads: LoadState) -> None:
    """Stamp the warehouse: built completely, by this project, from these loads."""
    # the file that held the stamp before it moved into the warehouse says nothing now
    warehouse.with_name("warehouse.dbt-project").unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS ops")
        con.execute(f"CREATE TABLE IF NOT EXISTS {STAMP_TABLE} (stamp VARCHAR NOT NULL, "
                    "recorded_at TIMESTAMP NOT NULL)")
        con.execute(f"DELETE FROM {STAMP_TABLE}")
        con.execute(f"INSERT INTO {STAMP_TABLE} VALUES (?, current_localtimestamp())",
                    [json.dumps({"project": fingerprint, "loads": loads})])
    finally:
        con.close()


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
        "AND table_name = ?", [schema, table]).fetchone()[0])


def _load_state(con: duckdb.DuckDBPyConnection) -> LoadState:
    """Per source: how many files were logged, by outcome, the rows loaded, the last load.
    Any load, rejection or supersession changes it (a superseded load's rows are deleted)."""
    if not _exists(con, "ops", "load_log"):
        return {}
    rows = con.execute(
        """
        SELECT source, count(*), count(*) FILTER (WHERE status = 'loaded'),
               count(*) FILTER (WHERE status = 'superseded'),
               coalesce(sum(rows_loaded) FILTER (WHERE status = 'loaded'), 0),
               strftime(max(loaded_at), '%Y-%m-%dT%H:%M:%S.%f')
        FROM ops.load_log GROUP BY source ORDER BY source
        """).fetchall()
    return {source: list(rest) for source, *rest in rows}


def changed_sources(before: LoadState, now: LoadState) -> set[str]:
    """Sources whose loads differ; with any, also the ops tables every load writes."""
    changed = {s for s in before.keys() | now.keys() if before.get(s) != now.get(s)}
    return changed | {OPS_SOURCE} if changed else changed


@dataclass(frozen=True)
class Scope:
    """What an incremental build leaves out: ``exclude`` for dbt's ``--exclude`` (with
    ``--indirect-selection cautious``), and the manifest nodes (models and seeds) it does not
    rebuild because nothing they read changed."""

    exclude: list[str]
    unchanged: list[dict]


def unchanged_scope(manifest: dict, changed: Iterable[str]) -> Scope:
    """What the changed sources do not reach. A source is named by its table
    (``police_crimes``, as in ``ops.load_log``) or by its dbt source name (``ops``)."""
    changed = set(changed)
    sources = manifest["sources"]
    start = [uid for uid, s in sources.items()
             if s["name"] in changed or s["source_name"] in changed]
    reached: set[str] = set()
    stack = list(start)
    children = manifest["child_map"]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in reached:
                reached.add(child)
                stack.append(child)
    unchanged = [manifest["nodes"][uid] for uid in _topological(manifest)
                 if manifest["nodes"][uid]["resource_type"] == "seed"
                 or (manifest["nodes"][uid]["resource_type"] in ("model", "snapshot")
                     and uid not in reached)]
    exclude = [f"source:{s['source_name']}.{s['name']}" for uid, s in sorted(sources.items())
               if uid not in start]
    exclude += [node["name"] for node in unchanged if node["resource_type"] != "seed"]
    return Scope([*exclude, "resource_type:seed", "resource_type:unit_test"], unchanged)


def _topological(manifest: dict) -> list[str]:
    """The manifest's nodes, every node after its parents (sorted by id where free)."""
    parents = manifest["parent_map"]
    nodes = manifest["nodes"]
    done: set[str] = set()
    order: list[str] = []
    for uid in sorted(nodes):
        stack = [(uid, False)]
        while stack:
            node, expanded = stack.pop()
            if node in done:
                continue
            if expanded:
                done.add(node)
                order.append(node)
                continue
            stack.append((node, True))
            stack.extend((p, False) for p in sorted(parents.get(node, []), reverse=True)
                         if p in nodes and p not in done)
    return order


def read_manifest(path: Path) -> dict:
    return json.loads(path.read_text())
