"""DDL for the tables that account for every file and row: ``ops.load_log`` and ``ops.quarantine``,
and the typed ``raw.<source>`` tables built from the contracts."""

from __future__ import annotations

import duckdb

from orchestration.contracts import Contract

SQL_TYPES = {
    "varchar": "VARCHAR",
    "integer": "INTEGER",
    "decimal": "DOUBLE",
    "date": "DATE",
    "month": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}


def ensure_ops_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS ops.load_log (
            file VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            rows_read BIGINT NOT NULL,
            rows_loaded BIGINT NOT NULL,
            rows_quarantined BIGINT NOT NULL,
            status VARCHAR NOT NULL,   -- loaded | rejected | superseded
            message VARCHAR,
            loaded_at TIMESTAMP NOT NULL,
            received_at TIMESTAMP,     -- the landing file's modification time: when it arrived
            extract_identity VARCHAR,  -- which extract it is, whatever its version (loader.py)
            file_size BIGINT,          -- the file's size and modification time when loaded:
            file_mtime_ns BIGINT       -- unchanged, it is not read again
        )
        """
    )
    # warehouses built before these were recorded gain the columns (NULL for old loads;
    # the loader fills in extract_identity)
    con.execute("ALTER TABLE ops.load_log ADD COLUMN IF NOT EXISTS received_at TIMESTAMP")
    con.execute("ALTER TABLE ops.load_log ADD COLUMN IF NOT EXISTS extract_identity VARCHAR")
    con.execute("ALTER TABLE ops.load_log ADD COLUMN IF NOT EXISTS file_size BIGINT")
    con.execute("ALTER TABLE ops.load_log ADD COLUMN IF NOT EXISTS file_mtime_ns BIGINT")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS ops.quarantine (
            source VARCHAR NOT NULL,
            file VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            line_number BIGINT,
            reason VARCHAR NOT NULL,
            record VARCHAR,
            quarantined_at TIMESTAMP NOT NULL
        )
        """
    )


def ensure_raw_table(con: duckdb.DuckDBPyConnection, contract: Contract) -> str:
    """Create ``raw.<source>``: the contract's columns typed, plus where each row came from
    and when its file arrived (``_received_at``)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    cols = ",\n".join(f'"{f.name}" {SQL_TYPES[f.type]}' for f in contract.fields)
    table = f"raw.{contract.source}"
    con.execute(
        f"""
        CREATE TABLE IF NOT EXISTS {table} (
            {cols},
            _file VARCHAR NOT NULL,
            _sha256 VARCHAR NOT NULL,
            _line_number BIGINT NOT NULL,
            _loaded_at TIMESTAMP NOT NULL,
            _received_at TIMESTAMP     -- the landing file's modification time: when it arrived
        )
        """
    )
    # raw tables built before _received_at was recorded gain the column (NULL for old rows)
    con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS _received_at TIMESTAMP")
    return table
