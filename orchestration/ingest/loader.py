"""Load one source's landing files into ``raw.<source>``.

Every row read is either loaded or quarantined with its reason; every file is recorded in
``ops.load_log`` with its SHA-256, so loading the same file twice changes nothing.
DuckDB reads and validates the files whole, many at once: the new files of a source that share
a header are read by one statement in one transaction (a batch), which gives exactly what
loading them one by one would, line numbers and quarantine included. Python only handles
files, never rows. A quote that is never closed (which DuckDB reads as one field running to
the end of the file, silently) rejects its file whole, so no line goes unaccounted for.

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
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.contracts import Contract, Field
from orchestration.ingest.ops_tables import ensure_ops_tables, ensure_raw_table
from orchestration.ingest.readers import Readable, RejectedFile, header_of, readable
from orchestration.ingest.validate import (
    ensure_references,
    reason_expr,
    reference_violation,
    references_violated,
    sql_str,
    typed_expr,
    value_expr,
)
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
    # size and modification time (ns) as loaded: a file met again with both unchanged is not
    # read again (not even hashed)
    signature: tuple[int, int] | None = None


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


def _loaded_shas(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    """The SHA-256 of every file of the source already loaded (or loaded, then superseded)."""
    return {sha for (sha,) in con.execute(
        "SELECT DISTINCT sha256 FROM ops.load_log WHERE source = ? "
        "AND status IN ('loaded', 'superseded')", [source]).fetchall()}


def _loaded_signatures(con: duckdb.DuckDBPyConnection, source: str) -> set[tuple[str, int, int]]:
    """(file, size, modification time) of every file of the source loaded as it is now."""
    return set(con.execute(
        "SELECT file, file_size, file_mtime_ns FROM ops.load_log WHERE source = ? "
        "AND status IN ('loaded', 'superseded') AND file_size IS NOT NULL", [source]).fetchall())


def _remember_signatures(con: duckdb.DuckDBPyConnection, source: str,
                         touched: list[tuple[str, str, int, int]]) -> None:
    """A file read again with the content of its earlier load (copied, touched): its load now
    records the size and modification time it has, so the next run does not read it again."""
    if touched:
        files, shas, sizes, mtimes = (list(col) for col in zip(*touched, strict=True))
        con.execute(
            "UPDATE ops.load_log l SET file_size = t.size, file_mtime_ns = t.mtime "
            "FROM (SELECT unnest(?) AS file, unnest(?) AS sha, unnest(?) AS size, "
            "unnest(?) AS mtime) t WHERE l.source = ? AND l.file = t.file "
            "AND l.sha256 = t.sha AND l.status IN ('loaded', 'superseded')",
            [files, shas, sizes, mtimes, source])


def _record_identities(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Give loads logged before ``extract_identity`` was recorded their identity, once."""
    files = [f for (f,) in con.execute(
        "SELECT DISTINCT file FROM ops.load_log WHERE source = ? AND extract_identity IS NULL",
        [source]).fetchall()]
    if files:
        con.execute(
            "UPDATE ops.load_log l SET extract_identity = i.identity "
            "FROM (SELECT unnest(?) AS file, unnest(?) AS identity) i "
            "WHERE l.source = ? AND l.file = i.file",
            [files, [extract_identity(Path(f)) for f in files], source])


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


LOG_COLUMNS = ("file, source, sha256, rows_read, rows_loaded, rows_quarantined, status, "
               "message, loaded_at, received_at, extract_identity, file_size, file_mtime_ns")


def _log(con: duckdb.DuckDBPyConnection, results: list[FileResult], at: datetime) -> None:
    """Record files in ops.load_log, in one statement."""
    if not results:
        return
    rows = [[r.file, r.source, r.sha256, r.rows_read, r.rows_loaded, r.rows_quarantined,
             r.status, r.message, at, r.received_at, extract_identity(Path(r.file)),
             *(r.signature or (None, None))] for r in results]
    _insert_rows(con, "ops.load_log", LOG_COLUMNS.split(", "), rows)


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str],
                 rows: list[list[object]]) -> None:
    """Insert rows (one per file, never per record) with one parameter per column: binding a
    parameter per value costs about half a millisecond a row, seconds for a batch of files."""
    values = [list(column) for column in zip(*rows, strict=True)]
    unnested = ", ".join(f"unnest(?) AS c{i}" for i in range(len(columns)))
    con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {unnested}", values)


@dataclass(frozen=True)
class _Ready:
    """A landing file whose header matches the contract, read to be loaded with others."""
    path: Path
    sha: str
    received: datetime
    before: tuple[int, int] | None  # size and modification time when its load began
    source: Readable
    header: tuple[str, ...]


# A batch is read by one DuckDB statement in one transaction: per-file costs (statements,
# temporary tables, the log) are paid once for up to this many files or bytes.
BATCH_FILES = 2000
BATCH_BYTES = 256 << 20  # the batch's rows are held in temporary tables: keep memory bounded


def _prepare(
    contract: Contract, path: Path, workdir: Path, loaded: set[str],
    signatures: set[tuple[str, int, int]] = frozenset(),
) -> _Ready | FileResult:
    """Hash the file and check its header; a file that cannot be read is ``rejected`` (for
    the caller to log), one already loaded is ``unchanged``, one changing is ``skipped``.
    A file loaded with the same name, size and modification time is ``unchanged`` without
    being read: a monthly refresh reads only the new files."""
    before = _signature(path)
    if before is not None and (str(path), *before) in signatures:
        return FileResult(str(path), contract.source, "", 0, 0, 0, "unchanged",
                          "already loaded (same name, size and modification time)")
    try:
        sha = sha256_of(path)
        received = received_at(path)
    except FileNotFoundError:
        return _skipped(contract, path, "")
    name = str(path)
    if sha in loaded:
        return FileResult(name, contract.source, sha, 0, 0, 0, "unchanged",
                          "already loaded, or superseded (same SHA-256)")
    try:  # (the working folder is made only for a file that needs a converted copy)
        source = readable(path, contract, workdir)
        header = read_header(source.csv_path, contract)
    except (RejectedFile, FileNotFoundError) as exc:
        if _signature(path) != before:  # half a header, or a workbook not yet whole
            return _skipped(contract, path, sha, received)
        if isinstance(exc, FileNotFoundError):
            raise
        return FileResult(name, contract.source, sha, 0, 0, 0, "rejected", str(exc), received)
    return _Ready(path, sha, received, before, source, tuple(header))


def _load_batch(
    con: duckdb.DuckDBPyConnection, contract: Contract, batch: list[_Ready], now: datetime,
    key: bytes | None,
) -> list[FileResult]:
    """Load files with the same header in one transaction, in arrival order. A file that
    changes meanwhile is skipped and the others loaded again without it; a batch DuckDB cannot
    read is loaded again file by file, so only the unreadable file is rejected."""
    try:
        return _load_batch_once(con, contract, batch, now, key)
    except duckdb.IOException as exc:
        first = str(exc).strip().splitlines()[0]
        names = batch[0].path.name
        if len(batch) > 1:
            names += f" (and {len(batch) - 1} other files loaded with it)"
        raise BuildDatabaseWriteError(
            f"{names}: the build database could not be written ({first}); is the disk "
            "full? Free space and run again: a file is loaded whole or not at all"
        ) from exc


def _without(
    con: duckdb.DuckDBPyConnection, contract: Contract, batch: list[_Ready],
    outcomes: dict[Path, FileResult], now: datetime, key: bytes | None,
) -> list[FileResult]:
    """Load a batch again without the files that have another outcome: skipped (changing:
    what was read may be a prefix, so nothing is kept, not even in the log) or rejected
    (logged after the others)."""
    rest = [r for r in batch if r.path not in outcomes]
    loaded = iter(_load_batch_once(con, contract, rest, now, key) if rest else [])
    _log(con, [o for o in outcomes.values() if o.status == "rejected"], now)
    return [outcomes[r.path] if r.path in outcomes else next(loaded) for r in batch]


def _changed(contract: Contract, batch: list[_Ready]) -> dict[Path, FileResult]:
    """The files of a batch whose size or modification time changed since their load began."""
    return {r.path: _skipped(contract, r.path, r.sha, r.received) for r in batch
            if r.before is not None and _signature(r.path) != r.before}


def _unread(
    con: duckdb.DuckDBPyConnection, contract: Contract, batch: list[_Ready],
    counts: list[tuple[int, int]],
) -> dict[Path, FileResult]:
    """Files with lines DuckDB did not read as records: a quote never closed swallows the
    rest of the file without an error. They are rejected whole, so nothing is lost unsaid.
    (Blank lines are skipped by DuckDB and are not records.)"""
    unread = {}
    for ready, (rows_read, _) in zip(batch, counts, strict=True):
        if ready.source.lines <= rows_read + 1:
            continue
        (lines,) = con.execute(
            "SELECT len(list_filter(string_split(content, chr(10)), "
            "lambda x: trim(x, ' \t\r') <> '')) FROM read_text(?)",
            [str(ready.source.csv_path)]).fetchone()
        if lines <= rows_read + 1:
            continue
        first = rows_read + 2
        unread[ready.path] = FileResult(
            str(ready.path), contract.source, ready.sha, 0, 0, 0, "rejected",
            f"line {first}: a quote (\") opened on or after this line is never closed, or a "
            f"field runs over several lines: {lines - 1 - rows_read} of the file's "
            f"{lines - 1} lines of data cannot be read as records, so nothing is loaded",
            ready.received)
    return unread


def _load_batch_once(
    con: duckdb.DuckDBPyConnection, contract: Contract, batch: list[_Ready], now: datetime,
    key: bytes | None,
) -> list[FileResult]:
    ensure_references(con, contract)
    con.execute("BEGIN TRANSACTION")
    try:
        counts = _read_batch(con, contract, batch, now, key)
        unread = _unread(con, contract, batch, counts)
        if unread:
            _rollback(con)
            return _without(con, contract, batch, unread, now, key)
        results = []
        for ready, (rows_read, loaded) in zip(batch, counts, strict=True):
            message = f"{loaded} rows loaded, {rows_read - loaded} quarantined"
            if ready.source.note:
                message += f" ({ready.source.note})"
            results.append(FileResult(str(ready.path), contract.source, ready.sha, rows_read,
                                      loaded, rows_read - loaded, "loaded", message,
                                      ready.received, ready.before))
        results = _supersede(con, contract, results, now)
        changed = _changed(contract, batch)
        if changed:
            _rollback(con)
            return _without(con, contract, batch, changed, now, key)
        con.execute("COMMIT")
        return results
    except duckdb.Error as exc:
        _rollback(con)
        changed = _changed(contract, batch)
        if changed:
            return _without(con, contract, batch, changed, now, key)
        if isinstance(exc, duckdb.IOException):
            raise  # the build database could not be written: not the files' fault
        if len(batch) > 1:  # find the file DuckDB cannot read: load them one by one
            return [r for ready in batch
                    for r in _load_batch_once(con, contract, [ready], now, key)]
        [ready] = batch
        first = str(exc).strip().splitlines()[0]
        result = FileResult(str(ready.path), contract.source, ready.sha, 0, 0, 0, "rejected",
                            f"the file cannot be read as CSV: {first}", ready.received)
        _log(con, [result], now)
        return [result]


def _read_batch(
    con: duckdb.DuckDBPyConnection, contract: Contract, batch: list[_Ready], now: datetime,
    key: bytes | None,
) -> list[tuple[int, int]]:
    """Validate and insert a batch's rows, all files at once; return each file's rows read
    and rows loaded (the rest are quarantined). The caller holds the transaction.

    The rows are read once into ``_src`` in file order (``_grn``), then checked and typed once
    into ``_checked`` in the same order, from which the good rows are appended to the raw
    table and the bad ones quarantined: no statement sorts the batch or repeats the checks.
    Per-file values (name, hash, cut-off…) are looked up by the row's file index in lists
    bound as parameters, not joined, so the rows keep their order by construction."""
    now_sql = _timestamp_sql(now)
    header = batch[0].header
    for t in ("_files", "_src", "_rej", "_rej_scan", "_bad", "_counts", "_lines",
              "_checked", "_dups"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    # the batch's files, in arrival order. "In the future" means after the file arrived (never
    # later than now): the outcome depends on the file alone, so a rebuild quarantines exactly
    # what the first load did.
    con.execute("CREATE TEMP TABLE _files (_fid INTEGER, _csv VARCHAR, _file VARCHAR, "
                "_sha VARCHAR, _received TIMESTAMP)")
    _insert_rows(con, "_files", ["_fid", "_csv", "_file", "_sha", "_received"],
                 [[fid, str(r.source.csv_path), str(r.path), r.sha, r.received]
                  for fid, r in enumerate(batch)])
    columns = "{" + ", ".join(f"{sql_str(h)}: 'VARCHAR'" for h in header) + "}"
    csvs = "[" + ", ".join(sql_str(str(r.source.csv_path)) for r in batch) + "]"
    # the files are read whole, one after another, in the order given: _grn is a row's place
    # in the batch, file_index its file's place in the list (the batch's _fid)
    con.execute(
        f"""
        CREATE TEMP TABLE _src AS
        SELECT file_index::INTEGER AS _fid, row_number() OVER () AS _grn, *
        FROM read_csv({csvs}, header = true, auto_detect = false,
                      columns = {columns}, delim = {sql_str(contract.delimiter)},
                      quote = '"', escape = '"',
                      store_rejects = true, rejects_table = '_rej',
                      rejects_scan = '_rej_scan', parallel = false)
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE _bad AS
        SELECT f._fid, r.line, arg_min(r.error_message, r.column_idx) AS error,
               any_value(r.csv_line) AS csv_line
        FROM _rej r JOIN _rej_scan s USING (scan_id, file_id) JOIN _files f ON f._csv = s.file_path
        GROUP BY f._fid, r.line
        """
    )
    # each file's rows read (good and bad), and where its good rows begin in _src
    con.execute(
        """
        CREATE TEMP TABLE _counts AS
        SELECT f._fid, coalesce(s.good, 0) + coalesce(b.bad, 0) AS rows_read,
               coalesce(s.first, 1) AS first, coalesce(b.bad, 0) AS bad
        FROM _files f
        LEFT JOIN (SELECT _fid, count(*) AS good, min(_grn) AS first FROM _src GROUP BY _fid) s
            USING (_fid)
        LEFT JOIN (SELECT _fid, count(*) AS bad FROM _bad GROUP BY _fid) b USING (_fid)
        ORDER BY f._fid
        """
    )
    counts = con.execute("SELECT rows_read, first, bad FROM _counts ORDER BY _fid").fetchall()
    firsts = [first for _, first, _ in counts]
    files = {
        "files": [str(r.path) for r in batch],
        "shas": [r.sha for r in batch],
        "received": [r.received for r in batch],
        "cutoffs": [min(now, r.received) for r in batch],
        "periods": [extract_period(r.path) for r in batch],
        "firsts": firsts,
    }
    types = {"files": "VARCHAR", "shas": "VARCHAR", "received": "TIMESTAMP",
             "cutoffs": "TIMESTAMP", "periods": "VARCHAR", "firsts": "BIGINT"}

    def per_file(name: str) -> str:
        return f"list_extract(getvariable('_pvw_{name}'), _fid + 1)::{types[name]}"

    for name, values in files.items():
        con.execute(f"SET VARIABLE _pvw_{name} = ?", [values])
    # Good rows keep file order: the k-th good row of a file sits on the (k+1)-th line, or,
    # in a file with lines that could not be read as CSV, on the k-th line not rejected
    fields = contract.fields
    cutoff, period = per_file("cutoffs"), per_file("periods")
    # _checked holds what is stored of each row (_t0, _t1…), the values of its key fields
    # that are not stored as they are checked (_k0…), and its reasons; its text stays in _src
    # (a bad row's record is read from there). A plain text field's value is stored as it is
    # checked.
    plain = {f.name: f"_t{i}" for i, f in enumerate(fields)
             if f.type == "varchar" and not f.pseudonymise}
    keys = {f.name: plain.get(f.name, f"_k{i}") for i, f in enumerate(map(contract.field,
                                                                        contract.key))}
    extra = "".join(f", {value_expr(contract.field(k))} AS {n}" for k, n in keys.items()
                    if k not in plain)
    typed = ", ".join(f"{stored_expr(f, key)} AS _t{i}" for i, f in enumerate(fields))
    # one scan of _src, no join (a reference set is a join: its rule is applied below), so
    # _checked holds the rows in _src's order
    con.execute(
        f"""
        CREATE TEMP TABLE _checked AS
        SELECT _fid, _grn, _grn - {per_file('firsts')} + 2 AS _line, {typed}{extra},
               {reason_expr(contract, cutoff, period, references=False)} AS _reason,
               NULL::VARCHAR AS _duplicate
        FROM _src
        """
    )
    _keep_read_order(con, "_checked")
    # the rows that break a reference-set rule get their full reasons: first one look at
    # each distinct value, as most batches have none
    checked = [f for f in fields if f.reference]
    if checked and any(con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT {plain[f.name]} AS _v FROM _checked) "
        f"WHERE {reference_violation(f, '_v')}" if f.name in plain else
        f"SELECT count(*) FROM (SELECT DISTINCT {value_expr(f)} AS _v FROM _src) "
        f"WHERE {reference_violation(f, '_v')}").fetchone()[0] for f in checked
    ):
        con.execute(
            f"""
            UPDATE _checked SET _reason = r._reason
            FROM (SELECT _grn, {reason_expr(contract, cutoff, period)} AS _reason FROM _src
                  WHERE {references_violated(contract)}) r
            WHERE _checked._grn = r._grn
            """
        )
    if any(bad for _, _, bad in counts):
        con.execute(
            """
            CREATE TEMP TABLE _lines AS
            SELECT n._fid, row_number() OVER (PARTITION BY n._fid ORDER BY n.l) AS _rn,
                   n.l AS _line
            FROM (SELECT _fid, unnest(range(2, rows_read + 2)) AS l FROM _counts WHERE bad > 0) n
            ANTI JOIN _bad b ON b._fid = n._fid AND b.line = n.l
            """
        )
        con.execute(
            """
            UPDATE _checked c SET _line = l._line
            FROM _lines l JOIN _counts n USING (_fid)
            WHERE c._fid = l._fid AND c._grn - n.first + 1 = l._rn
            """
        )
    # a second record with the same key (all key fields present) in a file is a duplicate;
    # a row quarantined for its own reasons does not claim its key
    if keys:
        names = list(keys.values())
        present = " AND ".join(f"{n} IS NOT NULL" for n in names)
        group = f"hash(_fid, {', '.join(names)}, _reason IS NULL)"
        # rows whose (file, key, fate) hash is shared: every duplicate, and rarely a collision
        con.execute(
            f"""
            CREATE TEMP TABLE _dups AS
            SELECT _fid, {", ".join(names)}, _reason IS NULL AS _ok, min(_line) AS _first
            FROM _checked
            WHERE {present} AND {group} IN (
                SELECT {group} FROM _checked WHERE {present} GROUP BY ALL HAVING count(*) > 1)
            GROUP BY ALL HAVING count(*) > 1
            """
        )
        if con.execute("SELECT count(*) FROM _dups").fetchone()[0]:
            same = " AND ".join(f"_checked.{n} = d.{n}" for n in names)
            con.execute(
                f"""
                UPDATE _checked SET _duplicate = 'duplicate of the record on line ' || d._first
                FROM _dups d
                WHERE _checked._fid = d._fid AND {same}
                  AND (_checked._reason IS NULL) = d._ok AND _checked._line > d._first
                """
            )
    table = ensure_raw_table(con, contract)
    names = ", ".join(f'"{f.name}"' for f in fields)
    values = ", ".join(f"_t{i}" for i in range(len(fields)))
    con.execute(
        f"""
        INSERT INTO {table} ({names}, _file, _sha256, _line_number, _loaded_at, _received_at)
        SELECT {values}, {per_file('files')}, {per_file('shas')}, _line, {now_sql},
               {per_file('received')}
        FROM _checked
        WHERE _reason IS NULL AND _duplicate IS NULL
        """
    )
    # a line that cannot be split into fields may hold a person identifier in clear
    raw_line = ("NULL" if any(f.pseudonymise for f in fields) else "b.csv_line")
    record = "to_json({" + ", ".join(
        f"{sql_str(h)}: {_record_value(contract, h)}" for h in header
    ) + "})::VARCHAR"
    source = sql_str(contract.source)
    con.execute(
        f"""
        INSERT INTO ops.quarantine
        SELECT source, file, sha256, line_number, reason, record, quarantined_at FROM (
            SELECT {source} AS source, f._file AS file, f._sha AS sha256, c._fid,
                   c._line AS line_number, concat_ws('; ', c._reason, c._duplicate) AS reason,
                   {record} AS record, {now_sql} AS quarantined_at
            FROM (SELECT * FROM _checked
                  WHERE _reason IS NOT NULL OR _duplicate IS NOT NULL) c
            JOIN _src s USING (_grn) JOIN _files f ON f._fid = c._fid
            UNION ALL
            SELECT {source}, f._file, f._sha, b._fid, b.line,
                   'line cannot be read as CSV: ' || b.error, {raw_line}, {now_sql}
            FROM _bad b JOIN _files f USING (_fid)
        )
        ORDER BY _fid, line_number
        """
    )
    quarantined = dict(con.execute(
        "SELECT _fid, count(*) FROM _checked "
        "WHERE _reason IS NOT NULL OR _duplicate IS NOT NULL GROUP BY _fid").fetchall())
    for name in files:
        con.execute(f"RESET VARIABLE _pvw_{name}")
    return [(rows_read, rows_read - bad - quarantined.get(fid, 0))
            for fid, (rows_read, _, bad) in enumerate(counts)]


def _keep_read_order(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Make sure a temporary table made from ``_src`` holds its rows in ``_src``'s order
    (``_grn``): a plan with a join (a future rule with a subquery) need not keep it. The rows
    are only sorted when they are out of order. (``rowid`` counts the rows as stored, from an
    offset while the transaction that made the table is open.)"""
    if con.execute(f"SELECT min(_grn - rowid) <> max(_grn - rowid) FROM {table}").fetchone()[0]:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS "
                    f"SELECT * FROM {table} ORDER BY _grn")


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
    con: duckdb.DuckDBPyConnection, contract: Contract, results: list[FileResult],
    now: datetime,
) -> list[FileResult]:
    """Log a batch's files, and withdraw the rows of earlier loads of the same extracts
    (earlier runs', or earlier in the batch): each file names what it replaced, each replaced
    load names its successor. Returns the batch's results as logged."""
    identities = {extract_identity(Path(r.file)) for r in results}
    current: dict[str, list[tuple[str, str]]] = {}
    for file, sha, identity in con.execute(
        "SELECT file, sha256, extract_identity FROM ops.load_log WHERE source = ? "
        "AND status = 'loaded' AND extract_identity IN (SELECT unnest(?))",
        [contract.source, sorted(identities)],
    ).fetchall():
        current.setdefault(identity, []).append((file, sha))
    earlier: list[tuple[str, str, str]] = []  # (file, sha, superseded by), in order
    logged = []
    for r in results:
        identity = extract_identity(Path(r.file))
        replaced = [(f, s) for f, s in current.get(identity, []) if s != r.sha256]
        current[identity] = [(r.file, r.sha256)]
        by = f"{Path(r.file).name} ({r.sha256[:12]})"
        earlier += [(f, s, by) for f, s in replaced]
        if replaced:
            r = replace(r, message=r.message + "; supersedes " + ", ".join(
                f"{Path(f).name} ({s[:12]})" for f, s in replaced))
        logged.append(r)
    _log(con, logged, now)
    if earlier:
        con.execute("DROP TABLE IF EXISTS _superseded")
        con.execute(
            "CREATE TEMP TABLE _superseded (file VARCHAR, sha256 VARCHAR, successor VARCHAR)")
        _insert_rows(con, "_superseded", ["file", "sha256", "successor"],
                     [list(e) for e in earlier])
        con.execute(f"DELETE FROM raw.{contract.source} t USING _superseded s "
                    "WHERE t._file = s.file AND t._sha256 = s.sha256")
        con.execute("DELETE FROM ops.quarantine q USING _superseded s "
                    "WHERE q.source = ? AND q.file = s.file AND q.sha256 = s.sha256",
                    [contract.source])
        con.execute(
            "UPDATE ops.load_log l SET status = 'superseded', "
            "message = l.message || '; superseded by ' || s.successor FROM _superseded s "
            "WHERE l.source = ? AND l.file = s.file AND l.sha256 = s.sha256 "
            "AND l.status = 'loaded'", [contract.source])
    superseded = {(f, s) for f, s, _ in earlier}
    return [replace(r, status="superseded") if (r.file, r.sha256) in superseded else r
            for r in logged]


def stored_expr(f: Field, key: bytes | None) -> str:
    """What is stored for a field: its typed value, or the keyed hash of a person identifier."""
    if not f.pseudonymise:
        return typed_expr(f)
    if key is None:
        raise ValueError(f"field {f.name} is a person identifier: a pseudonymisation key is needed")
    return hmac_sql(typed_expr(f), key)


def _record_value(contract: Contract, column: str) -> str:
    """A quarantined record keeps its text (``s``: the row in _src), but never a person
    identifier in clear: that is its keyed hash as stored (``c``: the row in _checked)."""
    for i, f in enumerate(contract.fields):
        if f.name == column and f.pseudonymise:
            return f"c._t{i}"
    return f's."{column}"'


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
    skipped (status ``skipped``, not logged) and read at a later run. Files are loaded in
    the order they arrived, in batches that share a header (:data:`BATCH_FILES`).
    """
    now = now or datetime.now().replace(microsecond=0)
    ensure_ops_tables(con)
    ensure_raw_table(con, contract)
    _record_identities(con, contract.source)
    folder = landing / contract.source
    patterns = contract.landing_patterns
    found = ({p for g in patterns for p in folder.glob(g) if not is_temporary(p)}
             if folder.is_dir() else set())
    # in the order they arrived, so that a later corrected extract supersedes an earlier one
    arrived = {p: _signature(p) for p in found}
    paths = sorted((p for p, sig in arrived.items() if sig is not None),
                   key=lambda p: (arrived[p][1], p.name))
    loaded = _loaded_shas(con, contract.source)
    signatures = _loaded_signatures(con, contract.source)
    results: list[FileResult] = []
    batch: list[_Ready] = []
    batch_bytes = 0  # the batch's size, kept as it grows (not summed per file)

    def done(found: list[FileResult]) -> None:
        results.extend(found)
        if progress:
            for result in found:
                progress(result)

    def flush() -> None:
        if batch:
            done(_load_batch(con, contract, batch, now, key))
            batch.clear()

    touched: list[tuple[str, str, int, int]] = []  # loaded before, written again unchanged
    with tempfile.TemporaryDirectory(prefix="pvw-load-") as workdir:
        for number, path in enumerate(paths):
            ready = _prepare(contract, path, Path(workdir) / str(number), loaded, signatures)
            if isinstance(ready, FileResult):
                if ready.status == "unchanged" and ready.sha256:
                    touched.append((str(path), ready.sha256, *arrived[path]))
                if ready.status == "rejected":
                    flush()  # the log keeps the order files arrived in
                    _log(con, [ready], now)
                done([ready])
                continue
            size = (ready.before or (0, 0))[0]
            if batch and (ready.header != batch[0].header or len(batch) >= BATCH_FILES
                          or batch_bytes + size > BATCH_BYTES):
                flush()
                batch_bytes = 0
            batch.append(ready)
            batch_bytes += size
            loaded.add(ready.sha)
        flush()
    _remember_signatures(con, contract.source, touched)
    order = {str(p): n for n, p in enumerate(paths)}
    return sorted(results, key=lambda r: order[r.file])
