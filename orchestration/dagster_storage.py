"""Dagster's SQLite event log, with its connections kept open between events.

Dagster's own SQLite event log (one database per run plus an index) builds a new SQLAlchemy
engine and opens a new connection for every event it stores. A pvw run stores a couple of
thousand events (each dbt test is an asset check: planned when the run is created, evaluated
when dbt reports it), and at about 5 ms an event that was 8 to 10 s of a monthly refresh
(docs/bench.md). This subclass keeps one engine per database, with a small pool of open
connections, for the last few databases it used: the same SQL, the same files, the same
transactions and durability (SQLite's defaults), about 1.4 ms an event. It also remembers the
tables it has found (``has_table``), which Dagster otherwise looks up with a new engine for
every asset check evaluation.

dagster.yaml (written by ``orchestration.run.prepare_instance``) names it; the run and
schedule storages are Dagster's own SQLite ones, in the same folders as Dagster's default.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

ENGINES_KEPT = 8  # databases with open connections: the index and the runs being written


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """:class:`SqliteEventLogStorage` that reuses its engines and connections."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        # before Dagster's __init__, which opens the index database
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_seen: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None,
                          config_value: Any) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, conn_string: str) -> Engine:
        """The database's engine (called under Dagster's ``_db_lock``, as ``_connect`` is)."""
        engine = self._engines.pop(conn_string, None)
        if engine is None:
            engine = create_engine(
                conn_string, poolclass=QueuePool, pool_size=1, max_overflow=4,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
        self._engines[conn_string] = engine  # most recently used last
        while len(self._engines) > ENGINES_KEPT:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:  # type: ignore[override]
        with self._db_lock:
            engine = self._engine(self.conn_string_for_shard(shard))
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        """Dagster asks whether the index has the asset-check table before storing each check
        evaluation, through a new engine each time (0.7 s of a monthly refresh's 600 checks):
        a table found is remembered (an event log's tables are not dropped while it is open;
        wipe() forgets them)."""
        if table_name in self._tables_seen:
            return True
        found = super().has_table(table_name)
        if found:
            self._tables_seen.add(table_name)
        return found

    def wipe(self) -> None:
        self._tables_seen.clear()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
