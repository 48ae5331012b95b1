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
import pyarrow as pa
import pyarrow.compute as pc

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


def period_ends(paths: list[Path]) -> np.ndarray:
    """period_end of each file, as days (NaT where none), computed for all the files at once
    (a Timestamp per file costs more than the rest of stamping it)."""
    months = [extract_period(p) for p in paths]
    ends = np.full(len(paths), np.datetime64("NaT"), dtype="datetime64[D]")
    monthly = np.array([m is not None for m in months], dtype=bool)
    if monthly.any():
        first = np.array([m for m in months if m is not None], dtype="datetime64[M]")
        ends[monthly] = (first + 1).astype("datetime64[D]") - 1
    for i in np.flatnonzero(~monthly):  # the few files named by a financial year
        end = period_end(paths[i])
        ends[i] = np.datetime64("NaT") if end is None else end.to_datetime64()
    return ends


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
        all_ends = period_ends(files)
        dated = ~np.isnat(all_ends)
        if not dated.any():
            continue
        paths = [p for p, d in zip(files, dated, strict=True) if d]
        ends = pd.DatetimeIndex(all_ends[dated])
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


# What DuckDB's CSV writer quotes (the loaders read these files with its reader): a value
# holding the delimiter, the quote, a line break or the comment character, and the empty
# string (which would otherwise read back as NULL). Quotes inside are doubled.
CSV_NEEDS_QUOTES = (",", '"', "#", "\n", "\r")


# Types whose text never holds a character to quote, nor is empty.
CSV_PLAIN_TYPES = {"BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                   "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DATE", "TIMESTAMP"}


def _csv_field(name: str, type_: str) -> str:
    """SQL for one column as DuckDB's ``COPY … (FORMAT csv)`` writes it: NULL as nothing,
    a value that needs quotes quoted (CSV_NEEDS_QUOTES), anything else as its text."""
    text = 'CAST("' + name.replace('"', '""') + '" AS VARCHAR)'
    if type_ in CSV_PLAIN_TYPES:
        return f"coalesce({text}, '')"
    tests = " OR ".join(f"contains({text}, {_sql_char(c)})" for c in CSV_NEEDS_QUOTES)
    return (f"CASE WHEN {text} IS NULL THEN '' WHEN {text} = '' OR {tests} "
            f"THEN '\"' || replace({text}, '\"', '\"\"') || '\"' ELSE {text} END")


def _csv_line(written: list[tuple[str, str]], body: str) -> str:
    """SQL for a row's line as ``COPY … (FORMAT csv)`` writes it, newline included, where
    ``body`` names the row's fields as text joined by commas (_csv_body). Most rows need no
    quotes, and their line is that body: one pass over it finds the characters that would
    need quotes but commas, column by column the text columns are checked for commas and
    empty strings, and only the rows that need quotes are written field by field."""
    texts = ['CAST("' + n.replace('"', '""') + '" AS VARCHAR)'
             for n, t in written if t not in CSV_PLAIN_TYPES]
    tests = [f"contains({body}, {_sql_char(c)})" for c in CSV_NEEDS_QUOTES if c != ","]
    tests += [f"contains({t}, ',') OR {t} = ''" for t in texts]
    quoted = "concat(" + ", ',', ".join(_csv_field(n, t) for n, t in written) + ", chr(10))"
    return f"CASE WHEN {' OR '.join(tests)} THEN {quoted} ELSE concat({body}, chr(10)) END"


def _csv_body(written: list[tuple[str, str]]) -> str:
    return "concat(" + ", ',', ".join(
        'coalesce(CAST("' + n.replace('"', '""') + '" AS VARCHAR), \'\')' for n, _ in written) + ")"


def _sql_char(c: str) -> str:
    return f"chr({ord(c)})" if c in "\n\r" else "'" + c.replace("'", "''") + "'"


def _csv_header(names: list[str]) -> bytes:
    quoted = ['"' + n.replace('"', '""') + '"' if n == "" or any(c in n for c in CSV_NEEDS_QUOTES)
              else n for n in names]
    return (",".join(quoted) + "\n").encode()


def write_partitioned(
    con: duckdb.DuckDBPyConnection, select: str, order: str | None, folder: Path
) -> tuple[int, int]:
    """Write the rows of ``select``, one CSV per value of its ``_file`` column, as
    ``folder/<_file>.csv`` (columns named ``_…`` are not written), each file's rows sorted by
    ``order`` (which must sort by ``_file`` first, so that a file's rows come together, and
    end in a unique column, so that the bytes are the same every run); return (files, rows).
    With ``order`` None the rows are written in the order ``select`` gives them, which must
    already be so: a scan of a registered table in that order, with no join, aggregate or
    window to reorder it (DuckDB keeps the insertion order of what it does not sort).

    The bytes are those of ``COPY … TO (FORMAT csv, HEADER)`` (see _csv_line), but DuckDB
    renders the lines of all the files in one query, and Python cuts its result into files:
    a statement per file costs milliseconds, and national scale has tens of thousands of
    files.
    """
    relation = con.sql(select)
    written = [(n, str(t)) for n, t in zip(relation.columns, relation.types, strict=True)
               if not n.startswith("_")]
    header = _csv_header([n for n, _ in written])
    line = _csv_line(written, "__pvw_body")
    if order is None:
        con.execute("SET preserve_insertion_order = true")
    reader = con.sql(
        f"SELECT _file, {line} AS _line "
        f"FROM (SELECT *, {_csv_body(written)} AS __pvw_body FROM ({select})) "
        + (f"ORDER BY {order}" if order else "")
    ).to_arrow_reader(1 << 17)
    done: set[str] = set()
    out, out_name, rows = None, None, 0
    try:
        for batch in reader:  # a batch of lines at a time
            n = batch.num_rows
            if n == 0:
                continue
            names, lines = batch.column(0), batch.column(1)
            if str(lines.type) not in ("string", "large_string"):
                raise RuntimeError(f"write_partitioned: lines came back as {lines.type}")
            offsets = np.frombuffer(
                lines.buffers()[1],
                dtype=np.int64 if str(lines.type) == "large_string" else np.int32,
            )[lines.offset: lines.offset + n + 1]
            data = memoryview(lines.buffers()[2])
            # rows where a file starts: the first, and any whose file differs from the row before
            starts = np.flatnonzero(pc.not_equal(names.slice(1), names.slice(0, n - 1))
                                    .to_numpy(zero_copy_only=False)) + 1
            starts = np.concatenate([[0], starts, [n]])
            for i, (at, upto) in enumerate(zip(starts[:-1], starts[1:], strict=True)):
                name = names[int(at)].as_py()  # one step per file (or part of one), not per row
                if out is None or i > 0 or name != out_name:
                    if out is not None:
                        out.close()
                    if name in done:
                        raise ValueError(f"write_partitioned: the rows of {name} are not "
                                         "together: sort by _file first")
                    done.add(name)
                    out, out_name = open(folder / (name + ".csv"), "wb"), name  # noqa: SIM115
                    out.write(header)
                out.write(data[offsets[at]:offsets[upto]])
            rows += n
    finally:
        if out is not None:
            out.close()
    return len(done), rows


def labels(codes: np.ndarray, values: np.ndarray | list[str] | pa.Array,
           missing: np.ndarray | None = None) -> pa.DictionaryArray:
    """A text column given as ``codes`` into ``values`` (None where ``missing``): DuckDB reads
    it as VARCHAR, as it would the strings, without a string built per row."""
    indices = pa.array(np.asarray(codes, dtype=np.int32), mask=missing)
    if not isinstance(values, pa.Array):
        values = pa.array(np.asarray(values, dtype=object), type=pa.string())
    return pa.DictionaryArray.from_arrays(indices, values)


def coded(values: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, code of each value): a text column's codes for ``labels``."""
    distinct, codes = np.unique(np.asarray(values, dtype=object), return_inverse=True)
    return distinct, codes


def arrow_table(columns: dict[str, np.ndarray | pa.Array]) -> pa.Table:
    """Columns (numpy arrays, or ``labels``) as an Arrow table for DuckDB to scan; times to
    the minute become times to the second (Arrow has no minutes)."""
    def column(values: np.ndarray | pa.Array) -> np.ndarray | pa.Array:
        if isinstance(values, np.ndarray) and values.dtype.kind == "M" and \
                np.datetime_data(values.dtype)[0] == "m":
            return values.astype("datetime64[s]")
        return values
    return pa.table({name: column(values) for name, values in columns.items()})


def sort_order(*keys: np.ndarray) -> np.ndarray:
    """The order of the rows sorted by ``keys`` (non-negative integers, the first the most
    significant); rows that tie keep their order (a stable sort, on one packed key when the
    keys fit in 63 bits)."""
    widths = [int(k.max(initial=0)).bit_length() for k in keys]
    if sum(widths) > 63:
        return np.lexsort(keys[::-1])
    packed = np.zeros(len(keys[0]), dtype=np.int64)
    for key, width in zip(keys, widths, strict=True):
        packed = (packed << width) | key.astype(np.int64)
    return np.argsort(packed, kind="stable")


def read_written(folder: Path, files: list[Path] | None = None) -> str:
    """SQL reading back the CSVs a generator wrote into ``folder`` (or just ``files``), all
    columns as text: ``read_csv`` told the format and the columns (the first file's header)
    rather than sniffing each of thousands of files, which costs more than reading them."""
    files = sorted(folder.glob("*.csv")) if files is None else files
    with files[0].open("rb") as f:
        names = f.readline().decode().rstrip("\r\n").split(",")
    columns = ", ".join("'" + n.replace("'", "''") + "': 'VARCHAR'" for n in names)
    paths = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
    return (f"read_csv([{paths}], header = true, auto_detect = false, delim = ',', "
            f"quote = '\"', escape = '\"', columns = {{{columns}}})")


def force_batches(lsoas: pd.DataFrame, residents: float = 5e6) -> list[pd.DataFrame]:
    """The LSOAs in batches of whole police forces of about ``residents`` each, in force
    order: a generator writing a force's files in one batch keeps its memory flat."""
    by_force = lsoas.groupby("force_code", sort=True)["lsoa_population"].sum()
    batch_of = (by_force.cumsum() // residents).rename("batch")
    merged = lsoas.merge(batch_of, left_on="force_code", right_index=True)
    return [g.drop(columns="batch").reset_index(drop=True) for _, g in merged.groupby("batch")]


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
