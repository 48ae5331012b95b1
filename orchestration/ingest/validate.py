"""Contract validation as SQL: one expression per field that yields a reason in words, or NULL.

All work happens in DuckDB over the whole file at once; nothing loops over rows in Python.
"""

from __future__ import annotations

import duckdb

from orchestration.contracts import Contract, Field
from orchestration.reference import SEEDS

DATE_FORMAT = "%Y-%m-%d"
TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


# Reference sets a field can be checked against: name -> (SQL query of the values, words).
# Each is read once per connection into a temporary table (:func:`ensure_references`), not
# once per file.
REFERENCES: dict[str, tuple[str, str]] = {
    "lsoa_2011": (
        f"SELECT \"LSOA code (2011)\" AS code FROM read_csv('{SEEDS / 'lsoa_imd2019.csv'}')",
        "an English LSOA of the 2011 set",
    ),
}


def reference_table(name: str) -> str:
    return f"_ref_{name}"


def ensure_references(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Read the reference sets the contract checks against into temporary tables, once per
    connection (outside any transaction, so a rolled-back load does not lose them)."""
    for name in sorted({f.reference for f in contract.fields if f.reference}):
        query = REFERENCES[name][0]
        con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {reference_table(name)} AS {query}")


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _value(f: Field) -> str:
    return f"nullif(trim(\"{f.name}\"), '')"


def typed_expr(f: Field) -> str:
    """The typed value of a field (NULL when blank or unparseable)."""
    v = _value(f)
    if f.type == "varchar":
        return v
    if f.type == "integer":  # '3.5' is not a whole number (a cast would round it)
        return f"CASE WHEN regexp_full_match({v}, '[+-]?[0-9]+') THEN try_cast({v} AS INTEGER) END"
    if f.type == "decimal":
        return f"try_cast({v} AS DOUBLE)"
    if f.type == "month":
        return f"try_strptime({v} || '-01', '%Y-%m-%d')::DATE"
    if f.type == "date":
        return f"try_strptime({v}, {sql_str(DATE_FORMAT)})::DATE"
    if f.type == "timestamp":
        formats = "[" + ", ".join(sql_str(x) for x in TIMESTAMP_FORMATS) + "]"
        return f"try_strptime({v}, {formats})"
    if f.type == "boolean":
        return f"CASE upper({v}) WHEN 'Y' THEN true WHEN 'N' THEN false END"
    raise ValueError(f"unknown field type {f.type}")


def _quoted(f: Field) -> str:
    """The raw text, quoted for a message (and shortened when huge); a person identifier is
    never repeated in clear."""
    if f.pseudonymise:
        return "'(withheld)'"
    return f"'''' || left(\"{f.name}\", 60) || ''''"


def field_reasons(f: Field, now_sql: str) -> list[str]:
    """SQL expressions, each a reason text when the field breaks one rule, else NULL."""
    v = _value(f)
    typed = typed_expr(f)
    reasons: list[str] = []
    if f.required:
        reasons.append(f"CASE WHEN {v} IS NULL THEN '{f.name} is required but blank' END")
    type_words = {
        "integer": "a whole number",
        "decimal": "a number",
        "month": "a month (YYYY-MM)",
        "date": "a date (YYYY-MM-DD)",
        "timestamp": "a date and time (YYYY-MM-DD HH:MM)",
        "boolean": "Y or N",
    }
    if f.type in type_words:
        reasons.append(
            f"CASE WHEN {v} IS NOT NULL AND {typed} IS NULL THEN "
            f"'{f.name} ' || {_quoted(f)} || ' is not {type_words[f.type]}' END"
        )
    if f.codes and f.type != "boolean":
        listed = ", ".join(sql_str(c) for c in f.codes)
        reasons.append(
            f"CASE WHEN {v} IS NOT NULL AND {v} NOT IN ({listed}) THEN "
            f"'{f.name} ' || {_quoted(f)} || ' is not a known code' END"
        )
    if f.pattern:
        reasons.append(
            f"CASE WHEN {v} IS NOT NULL AND NOT regexp_full_match({v}, {sql_str(f.pattern)}) "
            f"THEN '{f.name} ' || {_quoted(f)} || ' is not in the expected format' END"
        )
    if f.minimum is not None:
        reasons.append(
            f"CASE WHEN {typed} < {f.minimum} THEN "
            f"'{f.name} ' || {_quoted(f)} || ' is below {f.minimum}' END"
        )
    if f.maximum is not None:
        reasons.append(
            f"CASE WHEN {typed} > {f.maximum} THEN "
            f"'{f.name} ' || {_quoted(f)} || ' is above {f.maximum}' END"
        )
    if f.reference:
        words = REFERENCES[f.reference][1]
        values = f"SELECT code FROM {reference_table(f.reference)}"
        shaped = f" AND regexp_full_match({v}, {sql_str(f.pattern)})" if f.pattern else ""
        reasons.append(
            f"CASE WHEN {v} IS NOT NULL{shaped} AND {v} NOT IN ({values}) THEN "
            f"'{f.name} ' || {_quoted(f)} || ' is not {words}' END"
        )
    if f.not_future:
        reasons.append(
            f"CASE WHEN {typed} > {now_sql} THEN "
            f"'{f.name} ' || {_quoted(f)} || ' is in the future' END"
        )
    return reasons


def reason_expr(contract: Contract, now_sql: str, period_sql: str = "NULL") -> str:
    """One SQL expression: every broken rule of a row joined with '; ', or NULL if none.

    ``now_sql`` is the moment after which a date is in the future: the loader passes when the
    file arrived (never later than now), so the outcome depends on the file, not on when it is
    loaded. ``period_sql`` is the extract's month (text, YYYY-MM) from its file name, or NULL.
    Both are SQL expressions: the loader passes its files table's columns.
    """
    parts: list[str] = []
    for f in contract.fields:
        parts.extend(field_reasons(f, now_sql))
    if contract.period_field and period_sql != "NULL":
        f = contract.field(contract.period_field)
        after = f"(CAST({period_sql} || '-01' AS DATE) + INTERVAL 1 MONTH)"
        parts.append(
            # a date in the future is said once, as such
            f"CASE WHEN {typed_expr(f)} >= {after} AND {typed_expr(f)} <= {now_sql} THEN "
            f"'{f.name} ' || {_quoted(f)} || ' is after the extract''s period (' || "
            f"{period_sql} || ')' END"
        )
    for condition, message in contract.row_checks:
        parts.append(f"CASE WHEN {condition} THEN {sql_str(message)} END")
    return "nullif(concat_ws('; ', " + ", ".join(parts) + "), '')"
