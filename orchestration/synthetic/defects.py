"""``pvw generate --defects RATE``: the faults real extracts carry, injected into generated
files so that the demo shows quarantine at work.

Per file, about RATE of the rows get one defect each: an impossible date, an unknown code, a
required field left blank, or the row sent twice. Per source, one file is re-encoded as
Windows-1252 (when the contract has free text to carry a non-ASCII character) and one has its
last line cut short. Rows are chosen with numpy and rewritten by DuckDB, file by file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from orchestration.contracts import CONTRACTS, Contract, Field
from orchestration.ingest.validate import sql_str

BAD_DATES = {"date": "31/02/2023", "timestamp": "2023-02-31 25:61", "month": "2023-13"}


@dataclass(frozen=True)
class DefectSummary:
    source: str
    rows_changed: int
    rows_duplicated: int
    windows_1252_file: str | None
    truncated_file: str | None


def _options(contract: Contract) -> list[tuple[str, Field]]:
    kinds: list[tuple[str, Field]] = []
    for f in contract.fields:
        if f.type in BAD_DATES:
            kinds.append(("bad_date", f))
        if f.codes and f.type != "boolean":
            kinds.append(("unknown_code", f))
        if f.required and not f.pseudonymise:
            kinds.append(("blank", f))
    return kinds


def _value(kind: str, f: Field) -> str:
    return {"bad_date": BAD_DATES.get(f.type, ""), "unknown_code": "UNKNOWN", "blank": ""}[kind]


def _rewrite(
    path: Path, contract: Contract, rng: np.random.Generator, rate: float
) -> tuple[int, int]:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    delim = sql_str(contract.delimiter)
    con.execute(
        f"CREATE TABLE rows AS SELECT row_number() OVER () AS _rn, * FROM read_csv("
        f"{sql_str(str(path))}, all_varchar = true, header = true, delim = {delim}, "
        f"parallel = false)"
    )
    n = con.execute("SELECT count(*) FROM rows").fetchall()[0][0]
    options = _options(contract)
    chosen = np.flatnonzero(rng.random(n) < rate) + 1 if n else np.array([], dtype=int)
    pick = rng.integers(0, len(options) + 1, len(chosen))  # the last choice: send twice
    duplicate = chosen[pick == len(options)]
    changed = chosen[pick < len(options)]
    defects = pd.DataFrame({
        "_rn": changed,
        "_field": [options[i][1].name for i in pick[pick < len(options)]],
        "_value": [_value(*options[i]) for i in pick[pick < len(options)]],
    }).astype({"_field": "string", "_value": "string"})  # text even when empty
    con.register("defects", defects)
    con.register("twice", pd.DataFrame({"_rn": duplicate}))
    header = [r[0] for r in con.execute("SELECT name FROM pragma_table_info('rows')").fetchall()]
    columns = [c for c in header if c != "_rn"]
    select = ", ".join(
        f"CASE WHEN d._field = {sql_str(c)} THEN d._value ELSE r.\"{c}\" END AS \"{c}\""
        for c in columns
    )
    con.execute(
        f"""
        COPY (
            SELECT * EXCLUDE (_order) FROM (
                SELECT {select}, r._rn * 2 AS _order FROM rows r LEFT JOIN defects d USING (_rn)
                UNION ALL
                SELECT r.* EXCLUDE (_rn), r._rn * 2 + 1 FROM rows r SEMI JOIN twice USING (_rn)
            ) ORDER BY _order
        ) TO {sql_str(str(path))} (HEADER, DELIMITER {delim})
        """
    )
    con.close()
    return len(changed), len(duplicate)


def _free_text(contract: Contract) -> Field | None:
    return next((f for f in contract.fields
                 if f.type == "varchar" and not f.codes and not f.pattern
                 and not f.pseudonymise), None)


def inject(landing: Path, sources: list[str], rate: float, seed: int) -> list[DefectSummary]:
    if not 0 <= rate <= 0.5:
        raise ValueError("--defects must be a share of rows between 0 and 0.5")
    summaries = []
    for source in sources:
        contract = CONTRACTS[source]
        rng = np.random.default_rng([seed, 7919, len(source)])
        files = sorted((landing / source).glob("*.csv"))
        if not files:
            continue
        changed = duplicated = 0
        for path in files:
            c, d = _rewrite(path, contract, rng, rate)
            changed, duplicated = changed + c, duplicated + d
        cp1252 = None
        text_field = _free_text(contract)
        if text_field is not None:
            target = files[int(rng.integers(0, len(files)))]
            frame = pd.read_csv(target, dtype=str, keep_default_na=False, sep=contract.delimiter)
            if len(frame):
                frame.loc[0, text_field.name] = "Café on the corner – ‘the Crown’"
                frame.to_csv(target, index=False, sep=contract.delimiter, encoding="cp1252")
                cp1252 = target.name
        truncated = None
        if len(files) > 1:
            target = files[int(rng.integers(0, len(files)))]
            data = target.read_bytes().rstrip(b"\n")
            last = data.rfind(b"\n")
            if last > 0 and len(data) - last > 4:
                target.write_bytes(data[: last + (len(data) - last) // 2])  # cut mid-line
                truncated = target.name
        summaries.append(DefectSummary(source, changed, duplicated, cp1252, truncated))
    return summaries
