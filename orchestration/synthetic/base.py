"""What every source's generator receives and returns.

A generator module in this package defines ``SOURCE`` (its contract's source name), ``ORDER``
(generators run in ascending order: health extracts that overlap police records read what the
police generator wrote) and ``generate(ctx) -> GeneratedSource``.
"""

from __future__ import annotations

import shutil
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
        salt = int.from_bytes(source.encode()[:8].ljust(8, b"\0"), "little")
        return np.random.default_rng([self.seed, salt])

    def folder(self, source: str) -> Path:
        path = self.landing / source
        path.mkdir(parents=True, exist_ok=True)
        return path


def write_partitioned(con: duckdb.DuckDBPyConnection, query: str, folder: Path) -> int:
    """Write the query's rows, one CSV per value of its ``_file`` column, as
    ``folder/<_file>.csv`` (the column itself is not written); return the number of files."""
    staging = folder / ".partitions"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    con.execute(
        f"COPY ({query}) TO '{staging}' "
        "(FORMAT csv, HEADER, PARTITION_BY (_file), OVERWRITE_OR_IGNORE)"
    )
    files = 0
    for part in sorted(staging.glob("_file=*/*.csv")):
        part.replace(folder / (part.parent.name.removeprefix("_file=") + ".csv"))
        files += 1
    shutil.rmtree(staging)
    return files
