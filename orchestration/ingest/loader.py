"""Load one source's landing files into ``raw.<source>``.

Every row read is either loaded or quarantined with its reason; every file is recorded in
``ops.load_log`` with its SHA-256, so loading the same file twice changes nothing.
DuckDB reads and validates each file whole; Python only handles files, never rows.

A file still being written is never half-loaded: temporary names (``*.part``, ``*.tmp``,
dot-files, ``~$`` Office lock files) are not read at all, and a file whose size or
modification time changes between the start and the end of its load is rolled back and
skipped, unlogged, so the next run reads it whole. A build database that cannot be written
(a full disk) stops the load with :class:`BuildDatabaseWriteError`; the file is never
recorded as rejected for it. docs/faults.md describes each fault.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.contracts import Contract, Field
from orchestration.ingest.ops_tables import ensure_ops_tables, ensure_raw_table
from orchestration.ingest.readers import Readable, RejectedFile, header_of, readable
from orchestration.ingest.validate import reason_expr, sql_str, typed_expr
from orchestration.pseudonymise import hmac_sql

VERSION_SUFFIX = re.compile(r"([ _-]?(v\d+|corrected|resend|resent|final)|\s*\(\d+\))+$",
                            re.IGNORECASE)


PERIOD_IN_NAME = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2]))(?![0-9])")

# names that transfer tools, browsers and editors give a file they have not finished writing
TEMPORARY_SUFFIXES = frozenset({".part", ".partial", ".tmp", ".temp", ".crdownload",
                                ".filepart", ".download", ".swp"})

CHANGED_WHILE_READ = ("the file changed while it was being read (still being written?): "
                      "nothing loaded, it will be read at the next run")
VANISHED_WHILE_READ = ("the file disappeared while it was being read (moved or renamed while "
                       "arriving?): nothing loaded")


class BuildDatabaseWriteError(OSError):
    """The build database could not be written (a full disk): not the landing file's fault."""


@dataclass(frozen=True)
class FileResult:
    file: str
    source: str
    sha256: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    # loaded | rejected | unchanged, or skipped: still being written, not logged, read next run
    status: str
    message: str
    received_at: datetime | None = None  # the file's modification time: when it arrived


def read_header(path: Path, contract: Contract) -> list[str]:
    """Check the header line against the contract; return the columns in file order."""
    try:
        header = header_of(path, contract)
    except UnicodeDecodeError as exc:
        raise RejectedFile(f"line 1: the header is not UTF-8 text ({exc.reason})") from exc
    expected = set(contract.column_names)
    missing = [c for c in contract.column_names if c not in header]
    unexpected = [h for h in header if h not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(missing))
        if unexpected:
            parts.append("unexpected column(s) " + ", ".join(unexpected))
        raise RejectedFile(
            f"line 1: the header does not match the {contract.source} contract: " + "; ".join(parts)
        )
    if len(set(header)) != len(header):
        raise RejectedFile("line 1: the header repeats a column name")
    return header


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _already_loaded(con: duckdb.DuckDBPyConnection, source: str, sha: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM ops.load_log WHERE source = ? AND sha256 = ? "
        "AND status IN ('loaded', 'superseded')",
        [source, sha],
    ).fetchone()
    return bool(row and row[0])


def is_temporary(path: Path) -> bool:
    """A file that is not (yet) an extract: hidden, an Office lock file, or a partial download
    or transfer that will be renamed when it is complete."""
    name = path.name
    return name.startswith((".", "~$")) or path.suffix.lower() in TEMPORARY_SUFFIXES


def _signature(path: Path) -> tuple[int, int] | None:
    """What changes when a file is written to: size and modification time (None: gone)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    # no transaction may be open (a failed COMMIT ends it), or the connection may be unusable
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _skipped(contract: Contract, path: Path, sha: str,
             received: datetime | None = None) -> FileResult:
    message = CHANGED_WHILE_READ if _signature(path) is not None else VANISHED_WHILE_READ
    return FileResult(str(path), contract.source, sha, 0, 0, 0, "skipped", message, received)


def received_at(path: Path) -> datetime:
    """When a landing file arrived: its modification time (local time, like loaded_at), as
    the agency's transfer left it."""
    return datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)


def _log(con: duckdb.DuckDBPyConnection, r: FileResult, at: datetime) -> None:
    con.execute(
        "INSERT INTO ops.load_log (file, source, sha256, rows_read, rows_loaded, "
        "rows_quarantined, status, message, loaded_at, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [r.file, r.source, r.sha256, r.rows_read, r.rows_loaded, r.rows_quarantined, r.status,
         r.message, at, r.received_at],
    )


def load_file(
    con: duckdb.DuckDBPyConnection, contract: Contract, path: Path, now: datetime,
    key: bytes | None = None,
) -> FileResult:
    """Load one file in one transaction; a file that cannot be read is rejected whole, and a
    file that changes while it is read (still being written) is skipped, nothing kept."""
    try:
        return _load_file(con, contract, path, now, key)
    except duckdb.IOException as exc:
        first = str(exc).strip().splitlines()[0]
        raise BuildDatabaseWriteError(
            f"{path.name}: the build database could not be written ({first}); is the disk "
            "full? Free space and run again: a file is loaded whole or not at all"
        ) from exc


def _load_file(
    con: duckdb.DuckDBPyConnection, contract: Contract, path: Path, now: datetime,
    key: bytes | None,
) -> FileResult:
    before = _signature(path)
    try:
        sha = sha256_of(path)
        received = received_at(path)
    except FileNotFoundError:
        return _skipped(contract, path, "")
    name = str(path)
    if _already_loaded(con, contract.source, sha):
        return FileResult(name, contract.source, sha, 0, 0, 0, "unchanged",
                          "already loaded, or superseded (same SHA-256)")
    with tempfile.TemporaryDirectory(prefix="pvw-load-") as workdir:
        try:
            source = readable(path, contract, Path(workdir))
            header = read_header(source.csv_path, contract)
        except (RejectedFile, FileNotFoundError) as exc:
            if _signature(path) != before:  # half a header, or a workbook not yet whole
                return _skipped(contract, path, sha, received)
            if isinstance(exc, FileNotFoundError):
                raise
            result = FileResult(name, contract.source, sha, 0, 0, 0, "rejected", str(exc),
                                received)
            _log(con, result, now)
            return result
        return _load_rows(con, contract, path, source, header, sha, now, key, received, before)


def _load_rows(
    con: duckdb.DuckDBPyConnection, contract: Contract, path: Path, source: Readable,
    header: list[str], sha: str, now: datetime, key: bytes | None,
    received: datetime | None = None, before: tuple[int, int] | None = None,
) -> FileResult:
    """Validate and load a readable file's rows in one transaction. ``before`` is the file's
    signature when its load began: if it differs at the end, the load is rolled back."""
    name = str(path)

    now_sql = _timestamp_sql(now)
    received_sql = "NULL" if received is None else _timestamp_sql(received)
    # "in the future" means after the file arrived (never later than now): the outcome depends
    # on the file alone, so a rebuild quarantines exactly what the first load did
    cutoff_sql = _timestamp_sql(now if received is None else min(now, received))
    columns = "{" + ", ".join(f"{sql_str(h)}: 'VARCHAR'" for h in header) + "}"
    con.execute("BEGIN TRANSACTION")
    try:
        for t in ("_src", "_rej", "_rej_scan", "_lines", "_checked"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        con.execute(
            f"""
            CREATE TEMP TABLE _src AS
            SELECT row_number() OVER () AS _rn, *
            FROM read_csv({sql_str(str(source.csv_path))}, header = true, auto_detect = false,
                          columns = {columns}, delim = {sql_str(contract.delimiter)},
                          quote = '"', escape = '"',
                          store_rejects = true, rejects_table = '_rej',
                          rejects_scan = '_rej_scan', parallel = false)
            """
        )
        good = con.execute("SELECT count(*) FROM _src").fetchone()[0]
        bad_lines = con.execute("SELECT count(DISTINCT line) FROM _rej").fetchone()[0]
        rows_read = good + bad_lines
        # Good rows keep file order: the k-th good row sits on the k-th line not rejected.
        con.execute(
            f"""
            CREATE TEMP TABLE _lines AS
            SELECT row_number() OVER (ORDER BY l) AS _rn, l AS _line
            FROM range(2, {rows_read + 2}) t(l)
            WHERE l NOT IN (SELECT line FROM _rej)
            """
        )
        # a second record with the same key (all key fields present) is a duplicate
        keys = [f"nullif(trim(\"{k}\"), '')" for k in contract.key] or ["_line"]
        key_present = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        con.execute(
            f"""
            CREATE TEMP TABLE _checked AS
            WITH checked AS (
                SELECT s.*, l._line, {reason_expr(contract, cutoff_sql, extract_period(path))}
                    AS _reason
                FROM _src s JOIN _lines l USING (_rn)
            )
            SELECT *,
                CASE WHEN {key_present} AND row_number() OVER w > 1
                     THEN 'duplicate of the record on line ' || first_value(_line) OVER w
                END AS _duplicate
            FROM checked
            -- a row quarantined for its own reasons does not claim its key
            WINDOW w AS (PARTITION BY {", ".join(keys)}, _reason IS NULL ORDER BY _line)
            """
        )
        table = ensure_raw_table(con, contract)
        names = ", ".join(f'"{f.name}"' for f in contract.fields)
        typed = ", ".join(stored_expr(f, key) for f in contract.fields)
        con.execute(
            f"""
            INSERT INTO {table} ({names}, _file, _sha256, _line_number, _loaded_at, _received_at)
            SELECT {typed}, {sql_str(name)}, {sql_str(sha)}, _line, {now_sql}, {received_sql}
            FROM _checked WHERE _reason IS NULL AND _duplicate IS NULL
            ORDER BY _line
            """
        )
        # a line that cannot be split into fields may hold a person identifier in clear
        raw_line = ("NULL" if any(f.pseudonymise for f in contract.fields)
                    else "any_value(csv_line)")
        record = "to_json({" + ", ".join(
            f"{sql_str(h)}: {_record_value(contract, h, key)}" for h in header
        ) + "})::VARCHAR"
        con.execute(
            f"""
            INSERT INTO ops.quarantine
            SELECT {sql_str(contract.source)}, {sql_str(name)}, {sql_str(sha)}, _line,
                   concat_ws('; ', _reason, _duplicate), {record}, {now_sql}
            FROM _checked WHERE _reason IS NOT NULL OR _duplicate IS NOT NULL
            UNION ALL
            SELECT {sql_str(contract.source)}, {sql_str(name)}, {sql_str(sha)}, line,
                   'line cannot be read as CSV: ' || arg_min(error_message, column_idx),
                   {raw_line}, {now_sql}
            FROM _rej GROUP BY line
            ORDER BY 4
            """
        )
        loaded = con.execute(
            "SELECT count(*) FROM _checked WHERE _reason IS NULL AND _duplicate IS NULL"
        ).fetchone()[0]
        quarantined = rows_read - loaded
        message = f"{loaded} rows loaded, {quarantined} quarantined"
        if source.note:
            message += f" ({source.note})"
        replaced = _supersede(con, contract, path, sha)
        if replaced:
            message += f"; supersedes {replaced}"
        result = FileResult(name, contract.source, sha, rows_read, loaded, quarantined, "loaded",
                            message, received)
        if before is not None and _signature(path) != before:
            # what was read may be a prefix of the file: keep none of it, not even in the log
            _rollback(con)
            return _skipped(contract, path, sha, received)
        _log(con, result, now)
        con.execute("COMMIT")
    except duckdb.Error as exc:
        _rollback(con)
        if before is not None and _signature(path) != before:
            return _skipped(contract, path, sha, received)
        if isinstance(exc, duckdb.IOException):
            raise  # the build database could not be written: not the file's fault
        first = str(exc).strip().splitlines()[0]
        result = FileResult(name, contract.source, sha, 0, 0, 0, "rejected",
                            f"the file cannot be read as CSV: {first}", received)
        _log(con, result, now)
    return result


def _timestamp_sql(at: datetime) -> str:
    return f"TIMESTAMP {sql_str(at.strftime('%Y-%m-%d %H:%M:%S'))}"


def extract_period(path: Path) -> str | None:
    """The month a file's name ends with (``…_2024-04.csv``, ``2024-04-…-street.csv``)."""
    found = PERIOD_IN_NAME.findall(path.stem)
    return found[-1] if found else None


def extract_identity(path: Path) -> str:
    """Which extract a file is, whatever its version: a corrected file re-sent for the same
    source and period (same name, or the name with ``_v2``, ``-corrected``, `` (1)``…)
    has the same identity and supersedes the earlier one."""
    return VERSION_SUFFIX.sub("", path.stem).lower()


def _supersede(
    con: duckdb.DuckDBPyConnection, contract: Contract, path: Path, sha: str
) -> str:
    """Withdraw the rows of earlier loads of the same extract; name what was replaced."""
    identity = extract_identity(path)
    earlier = [
        (file, old_sha)
        for file, old_sha in con.execute(
            "SELECT file, sha256 FROM ops.load_log WHERE source = ? AND status = 'loaded' "
            "AND sha256 <> ?", [contract.source, sha],
        ).fetchall()
        if extract_identity(Path(file)) == identity
    ]
    for file, old_sha in earlier:
        con.execute(f"DELETE FROM raw.{contract.source} WHERE _file = ? AND _sha256 = ?",
                    [file, old_sha])
        con.execute("DELETE FROM ops.quarantine WHERE source = ? AND file = ? AND sha256 = ?",
                    [contract.source, file, old_sha])
        con.execute(
            "UPDATE ops.load_log SET status = 'superseded', message = message || "
            "'; superseded by ' || ? WHERE source = ? AND file = ? AND sha256 = ?",
            [f"{path.name} ({sha[:12]})", contract.source, file, old_sha],
        )
    return ", ".join(f"{Path(f).name} ({s[:12]})" for f, s in earlier)


def stored_expr(f: Field, key: bytes | None) -> str:
    """What is stored for a field: its typed value, or the keyed hash of a person identifier."""
    if not f.pseudonymise:
        return typed_expr(f)
    if key is None:
        raise ValueError(f"field {f.name} is a person identifier: a pseudonymisation key is needed")
    return hmac_sql(typed_expr(f), key)


def _record_value(contract: Contract, column: str, key: bytes | None) -> str:
    """A quarantined record keeps its text, but never a person identifier in clear."""
    field = next((f for f in contract.fields if f.name == column), None)
    return stored_expr(field, key) if field and field.pseudonymise else f'"{column}"'


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    landing: Path,
    now: datetime | None = None,
    progress: Callable[[FileResult], None] | None = None,
    key: bytes | None = None,
) -> list[FileResult]:
    """Load every file of one source's landing folder that has not been loaded before.

    ``key`` is the pseudonymisation key, needed when the contract has person identifiers.
    Temporary names (:func:`is_temporary`) are not read; a file still being written is
    skipped (status ``skipped``, not logged) and read at a later run.
    """
    now = now or datetime.now().replace(microsecond=0)
    ensure_ops_tables(con)
    ensure_raw_table(con, contract)
    folder = landing / contract.source
    results = []
    patterns = contract.landing_patterns
    found = ({p for g in patterns for p in folder.glob(g) if not is_temporary(p)}
             if folder.is_dir() else set())
    # in the order they arrived, so that a later corrected extract supersedes an earlier one
    arrived = {p: _signature(p) for p in found}
    paths = sorted((p for p, sig in arrived.items() if sig is not None),
                   key=lambda p: (arrived[p][1], p.name))
    for path in paths:
        result = load_file(con, contract, path, now, key)
        results.append(result)
        if progress:
            progress(result)
    return results
