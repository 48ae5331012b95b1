"""Turning what agencies send into UTF-8 CSV that DuckDB reads: CSV in UTF-8 (with or without
a byte-order mark) or Windows-1252, and XLSX workbooks (the sheet whose header is the
contract's). Work is per file, streamed or column-wise: never a Python loop over rows.
DuckDB's own Excel and encoding extensions are downloads, which this machine cannot fetch.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.contracts import Contract


class RejectedFile(Exception):
    """A file that cannot be read at all: it is rejected whole, with the reason."""


@dataclass(frozen=True)
class Readable:
    csv_path: Path  # UTF-8 CSV for DuckDB: the file itself, or a converted copy
    note: str  # how it was read, for the load log ("" for plain UTF-8 CSV)
    lines: int = 0  # physical lines of csv_path, header included (blank lines too)


def _is_utf8(path: Path) -> tuple[bool, int]:
    """Whether the whole file is UTF-8, and the line of the first bad byte if not (if it is:
    how many lines it has). A block of plain ASCII, most of them, needs no decoding: it is
    valid unless a character was left open before it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    last = b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            if not block.isascii() or decoder.getstate()[0]:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    return False, line + block[: exc.start].count(b"\n")
            line += block.count(b"\n")
            last = block[-1:]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, line
    # a last line without its newline is a line too; an empty file has none
    return True, (line - 1) + (1 if last not in (b"", b"\n") else 0)


def count_lines(path: Path) -> int:
    """Physical lines of a file (a last line without a newline counts)."""
    count, last = 0, b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (1 if last not in (b"", b"\n") else 0)


def _transcode(path: Path, out: Path, encoding: str) -> None:
    with path.open("r", encoding=encoding, newline="") as src, out.open(
        "w", encoding="utf-8", newline=""
    ) as dst:
        for block in iter(lambda: src.read(1 << 20), ""):
            dst.write(block)


def readable_csv(path: Path, workdir: Path) -> Readable:
    """A UTF-8 version of a CSV file: as it is, or transcoded from Windows-1252."""
    ok, bad_line = _is_utf8(path)
    if ok:
        return Readable(path, "", bad_line)
    out = workdir / (path.stem + ".utf8.csv")
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        _transcode(path, out, "cp1252")
    except UnicodeDecodeError as exc:
        raise RejectedFile(
            f"line {bad_line}: the text is neither UTF-8 nor Windows-1252 ({exc.reason})"
        ) from exc
    return Readable(out, f"read as Windows-1252 (not UTF-8 from line {bad_line})",
                    count_lines(out))


def _as_text(column: pd.Series, kind: str) -> pd.Series:
    """One workbook column as the text a CSV export would hold, column-wise."""
    if pd.api.types.is_datetime64_any_dtype(column):
        fmt = {"month": "%Y-%m", "timestamp": "%Y-%m-%d %H:%M"}.get(kind, "%Y-%m-%d")
        return column.dt.strftime(fmt)
    if pd.api.types.is_float_dtype(column):
        whole = column.dropna()
        if (whole == whole.round()).all():
            return column.astype("Int64").astype("string")
    return column.astype("string")


def readable_xlsx(path: Path, contract: Contract, workdir: Path) -> Readable:
    """The one sheet of a workbook whose first row is the contract's header, as UTF-8 CSV."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="calamine")
    except Exception as exc:  # noqa: BLE001 - any reader failure rejects the file whole
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RejectedFile(f"the workbook cannot be read: {first}") from exc
    wanted = set(contract.column_names)
    matching = []
    for name, frame in sheets.items():
        if len(frame) and {str(v).strip() for v in frame.iloc[0].dropna()} == wanted:
            matching.append(name)
    if not matching:
        raise RejectedFile(
            f"no sheet has the {contract.source} header (sheets: {', '.join(map(str, sheets))})"
        )
    if len(matching) > 1:
        raise RejectedFile(
            f"several sheets have the {contract.source} header ({', '.join(matching)}): "
            "send one sheet per file"
        )
    frame = sheets[matching[0]]
    header = [str(v).strip() for v in frame.iloc[0]]
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = header
    kinds = {f.name: f.type for f in contract.fields}
    body = pd.DataFrame({c: _as_text(body[c].infer_objects(), kinds.get(c, "varchar"))
                         for c in header})
    out = workdir / (path.stem + ".csv")
    workdir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.register("sheet", body)
    con.execute(f"COPY sheet TO '{out}' (HEADER, DELIMITER '{contract.delimiter}')")
    con.close()
    note = f"read from sheet '{matching[0]}'"
    if len(sheets) > 1:
        note += f" of {len(sheets)}"
    return Readable(out, note, count_lines(out))


def readable(path: Path, contract: Contract, workdir: Path) -> Readable:
    if path.suffix.lower() == ".xlsx":
        return readable_xlsx(path, contract, workdir)
    if path.stat().st_size == 0:
        raise RejectedFile("the file is empty (no header line)")
    return readable_csv(path, workdir)


def header_of(path: Path, contract: Contract) -> list[str]:
    """The first line's column names (UTF-8, a byte-order mark ignored)."""
    with path.open("rb") as fh:
        first = fh.readline()
    text = first.decode("utf-8-sig")
    return [h.strip() for h in next(csv.reader([text], delimiter=contract.delimiter))]
