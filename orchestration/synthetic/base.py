"""What every source's generator receives and returns.

A generator module in this package defines ``SOURCE`` (its contract's source name), ``ORDER``
(generators run in ascending order: health extracts that overlap police records read what the
police generator wrote) and ``generate(ctx) -> GeneratedSource``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class GeneratedSource:
    source: str
    files: int
    rows: int


@dataclass(frozen=True)
class GenerationContext:
    """The partnerships chosen, the period, and the random stream, shared by every generator.

    ``lsoas`` has one row per LSOA of the chosen partnerships: csp_code, csp_name, force_code,
    force_name, lsoa_code, imd_decile, lsoa_population (an even share of the local
    authority's mid-2019 population).
    """

    lsoas: pd.DataFrame
    landing: Path
    months: pd.DatetimeIndex  # first day of each month generated
    seed: int

    def rng(self, source: str) -> np.random.Generator:
        """A random stream of the source's own: adding a source changes no other's output."""
        salt = int.from_bytes(hashlib.sha256(source.encode()).digest()[:8], "little")
        return np.random.default_rng([self.seed, salt])

    def folder(self, source: str) -> Path:
        path = self.landing / source
        path.mkdir(parents=True, exist_ok=True)
        return path


def write_partitioned(con: duckdb.DuckDBPyConnection, query: str, folder: Path) -> int:
    """Write the query's rows, one CSV per value of its ``_file`` column, as
    ``folder/<_file>.csv`` (columns named ``_…`` are not written), each file in the query's
    ORDER BY; return the number of files.

    One COPY per file over the materialised rows: a ``PARTITION_BY`` COPY does not keep the
    ORDER BY within each file once there are many partitions.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _partitioned AS {query}")
    names = [r[0] for r in con.execute("DESCRIBE _partitioned").fetchall()]
    written = ", ".join(f'"{n}"' for n in names if not n.startswith("_"))
    ranges = con.execute(
        "SELECT _file, min(rowid), max(rowid) FROM _partitioned GROUP BY _file ORDER BY _file"
    ).fetchall()
    for name, low, high in ranges:  # one statement per file, not per record
        con.execute(
            f"COPY (SELECT {written} FROM _partitioned WHERE rowid BETWEEN {low} AND {high} "
            f"AND _file = ? ORDER BY rowid) TO '{folder / (name + '.csv')}' (FORMAT csv, HEADER)",
            [name],
        )
    con.execute("DROP TABLE _partitioned")
    return len(ranges)
