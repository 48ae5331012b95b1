"""What every source's generator receives and returns.

A generator module in this package defines ``SOURCE`` (its contract's source name), ``ORDER``
(generators run in ascending order: health extracts that overlap police records read what the
police generator wrote) and ``generate(ctx) -> GeneratedSource``.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from orchestration.ingest.loader import extract_identity, extract_period

# a financial year in a file name: assault_admissions_2023-24
FINANCIAL_YEAR_IN_NAME = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})-([0-9]{2})(?![0-9])")


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


def _salt(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def period_end(path: Path) -> pd.Timestamp | None:
    """The last day of the period a file's name says it covers: its month
    (``…_2024-04.csv``, as the loader reads it), or the March ending its financial year
    (``…_2023-24.csv``); None when the name carries no period (published national tables)."""
    month = extract_period(path)
    if month:
        return pd.Timestamp(f"{month}-01") + pd.offsets.MonthEnd(0)
    years = [int(a) for a, b in FINANCIAL_YEAR_IN_NAME.findall(path.stem)
             if (int(a) + 1) % 100 == int(b)]
    return pd.Timestamp(f"{years[-1] + 1}-03-31") if years else None


def sender_of(path: Path) -> str:
    """Who sends a file, whatever its period and version: the extract's name without them
    (``e23000003_`` for a force's monthly files, ``z0150_`` for a department's)."""
    return FINANCIAL_YEAR_IN_NAME.sub("", extract_identity(path))


def stamp_arrival_times(
    landing: Path, sources: list[str], seed: int, now: float | None = None
) -> int:
    """Give every generated file with a period the modification time of a realistic arrival,
    which the loader records as ``received_at``: 5 to about 45 days after the end of its
    period, at a time in the working day (08:00-18:00 UTC), each agency with its own usual
    delay (one to three weeks) and about a third of its senders (forces, departments,
    partnerships, authorities) habitually two to four weeks later. Deterministic for the
    seed (a stream of the source's own); never later than ``now``. Returns the number of
    files stamped."""
    now = time.time() if now is None else now
    stamped = 0
    for source in sources:
        folder = landing / source
        files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        dated = [(p, end) for p in files if (end := period_end(p)) is not None]
        if not dated:
            continue
        paths = [p for p, _ in dated]
        ends = pd.DatetimeIndex([end for _, end in dated])
        _, sender = np.unique([sender_of(p) for p in paths], return_inverse=True)
        rng = np.random.default_rng([seed, _salt(source), _salt("arrival")])
        usual = rng.uniform(8.0, 20.0)  # this agency's usual delay, in days
        habit = np.where(rng.random(sender.max() + 1) < 1 / 3,
                         rng.uniform(12.0, 25.0, sender.max() + 1), 0.0)
        days = np.clip(np.rint(usual + habit[sender] + rng.gamma(2.0, 4.0, len(paths)) - 6.0),
                       5, 120).astype(np.int64)
        seconds = rng.integers(8 * 3600, 18 * 3600, len(paths))
        arrival = ends.as_unit("s").asi8 + days * 86_400 + seconds
        for path, at in zip(paths, np.minimum(arrival, now).tolist(), strict=True):
            os.utime(path, (at, at))  # one call per file, not per record
        stamped += len(paths)
    return stamped


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


@dataclass(frozen=True)
class Events:
    """Events drawn for partnerships and months, each placed in an LSOA of its partnership
    (indices into the arrays of the generation: ``lsoas`` rows and ``months``)."""

    partnerships: np.ndarray  # the partnership codes, sorted
    p_idx: np.ndarray  # partnership of each event
    m_idx: np.ndarray  # month of each event
    lsoa_row: np.ndarray  # row of ``lsoas`` of each event


def monthly_counts(
    lsoas: pd.DataFrame, months: pd.DatetimeIndex, annual_rate: float, season: np.ndarray,
    noise: float, rng: np.random.Generator,
) -> np.ndarray:
    """Poisson counts per partnership × month: population × rate, higher where deprivation is
    higher (IMD decile 1 is the most deprived), with each partnership's own level (noise) and
    the season of each month. ``lsoas`` must be sorted by ``csp_code``."""
    codes = lsoas["csp_code"].to_numpy()
    partnerships, first = np.unique(codes, return_index=True)
    counts = np.diff(np.append(first, len(codes)))
    population = np.add.reduceat(lsoas["lsoa_population"].to_numpy(), first)
    deprivation = np.add.reduceat(lsoas["imd_decile"].to_numpy(dtype=float), first) / counts
    level = np.exp(-0.09 * (deprivation - 5.5)) * rng.lognormal(0.0, noise, len(partnerships))
    days = months.days_in_month.to_numpy()
    expected = (
        population[:, None] * level[:, None] * annual_rate / 365.25
        * (days * season[months.month.to_numpy() - 1])[None, :]
    )
    return rng.poisson(expected)


def place_events(
    lsoas: pd.DataFrame, n: np.ndarray, rng: np.random.Generator
) -> Events:
    """One event per count of ``n`` (partnerships × months), each in a random LSOA of its
    partnership. ``lsoas`` must be sorted by ``csp_code``."""
    codes = lsoas["csp_code"].to_numpy()
    partnerships, first = np.unique(codes, return_index=True)
    counts = np.diff(np.append(first, len(codes)))
    months = n.shape[1]
    flat = np.maximum(n, 0).ravel()
    p_idx = np.repeat(np.repeat(np.arange(len(partnerships)), months), flat)
    m_idx = np.repeat(np.tile(np.arange(months), len(partnerships)), flat)
    lsoa_row = first[p_idx] + (rng.random(len(p_idx)) * counts[p_idx]).astype(np.int64)
    return Events(partnerships, p_idx, m_idx, lsoa_row)


def times_in_month(
    months: pd.DatetimeIndex, m_idx: np.ndarray, rng: np.random.Generator,
    night_share: tuple[float, float], day_hours: np.ndarray, night_hours: np.ndarray,
    eligible: np.ndarray | bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """A time for each event in its month, and whether it belongs to the night-time economy.

    ``night_share`` is the chance of a night-time-economy event on Friday and Saturday and on
    other days (only where ``eligible``); such an event takes its hour from ``night_hours``,
    others from ``day_hours``, and one after midnight belongs to the next calendar day.
    """
    total = len(m_idx)
    days = months.days_in_month.to_numpy()
    day = (rng.random(total) * days[m_idx]).astype(np.int64)
    on_day = months.to_numpy()[m_idx] + day.astype("timedelta64[D]")
    weekday = pd.DatetimeIndex(on_day).day_of_week.to_numpy()  # Monday = 0
    weekend, other = night_share
    nte = eligible & (rng.random(total) < np.where(np.isin(weekday, (4, 5)), weekend, other))
    hour = np.where(
        nte,
        rng.choice(24, size=total, p=night_hours / night_hours.sum()),
        rng.choice(24, size=total, p=day_hours / day_hours.sum()),
    )
    at = (
        on_day.astype("datetime64[m]")
        + (hour * 60 + rng.integers(0, 60, total)).astype("timedelta64[m]")
        + np.where(nte & (hour < 6), 1, 0).astype("timedelta64[D]")
    )
    return at, nte
