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


def value_expr(f: Field) -> str:
    """SQL of a field's value as checked: its text trimmed, NULL when blank."""
    return f"nullif(trim(\"{f.name}\"), '')"


def typed_expr(f: Field) -> str:
    """The typed value of a field (NULL when blank or unparseable)."""
    v = value_expr(f)
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


def reference_violation(f: Field, value: str | None = None) -> str:
    """SQL condition: the field's value (well formed) is not in its reference set. ``value``
    is the SQL of the field's value (default: its trimmed text, NULL when blank)."""
    v = value or value_expr(f)
    values = f"SELECT code FROM {reference_table(f.reference)}"
    shaped = f" AND regexp_full_match({v}, {sql_str(f.pattern)})" if f.pattern else ""
    return f"{v} IS NOT NULL{shaped} AND {v} NOT IN ({values})"


def references_violated(contract: Contract) -> str | None:
    """SQL condition: a row breaks a reference-set rule (None: the contract has none)."""
    checks = [f"({reference_violation(f)})" for f in contract.fields if f.reference]
    return " OR ".join(checks) if checks else None


def field_rules(f: Field, now_sql: str, references: bool = True) -> list[tuple[str, str]]:
    """The field's rules as SQL (condition the row breaks the rule, reason text).
    ``references=False`` leaves out the reference-set rules (a subquery: a join)."""
    v = value_expr(f)
    typed = typed_expr(f)
    rules: list[tuple[str, str]] = []
    if f.required:
        rules.append((f"{v} IS NULL", f"'{f.name} is required but blank'"))
    type_words = {
        "integer": "a whole number",
        "decimal": "a number",
        "month": "a month (YYYY-MM)",
        "date": "a date (YYYY-MM-DD)",
        "timestamp": "a date and time (YYYY-MM-DD HH:MM)",
        "boolean": "Y or N",
    }
    if f.type in type_words:
        rules.append((f"{v} IS NOT NULL AND {typed} IS NULL",
                      f"'{f.name} ' || {_quoted(f)} || ' is not {type_words[f.type]}'"))
    if f.codes and f.type != "boolean":
        # list_position, not IN (…): DuckDB plans a list of constants (IN or list_contains)
        # as a join, which costs more and does not keep the rows' order
        listed = ", ".join(sql_str(c) for c in f.codes)
        rules.append((f"{v} IS NOT NULL AND list_position([{listed}], {v}) IS NULL",
                      f"'{f.name} ' || {_quoted(f)} || ' is not a known code'"))
    if f.pattern:
        rules.append((f"{v} IS NOT NULL AND NOT regexp_full_match({v}, {sql_str(f.pattern)})",
                      f"'{f.name} ' || {_quoted(f)} || ' is not in the expected format'"))
    if f.minimum is not None:
        rules.append((f"{typed} < {f.minimum}",
                      f"'{f.name} ' || {_quoted(f)} || ' is below {f.minimum}'"))
    if f.maximum is not None:
        rules.append((f"{typed} > {f.maximum}",
                      f"'{f.name} ' || {_quoted(f)} || ' is above {f.maximum}'"))
    if f.reference and references:
        words = REFERENCES[f.reference][1]
        rules.append((reference_violation(f), f"'{f.name} ' || {_quoted(f)} || ' is not {words}'"))
    if f.not_future:
        rules.append((f"{typed} > {now_sql}",
                      f"'{f.name} ' || {_quoted(f)} || ' is in the future'"))
    return rules


def reason_expr(contract: Contract, now_sql: str, period_sql: str = "NULL",
                references: bool = True) -> str:
    """One SQL expression: every broken rule of a row joined with '; ', or NULL if none.

    ``now_sql`` is the moment after which a date is in the future: the loader passes when the
    file arrived (never later than now), so the outcome depends on the file, not on when it is
    loaded. ``period_sql`` is the extract's month (text, YYYY-MM) from its file name, or NULL.
    Both are SQL expressions: the loader passes its files table's columns.
    ``references=False`` leaves out the reference-set rules: the expression then has no
    subquery, and gives the full reasons of every row that :func:`references_violated` does
    not select.

    The reasons are only put into words for a row that breaks a rule: most rows break none,
    and one test of all the rules costs far less than building every reason's text.
    """
    rules: list[tuple[str, str]] = []
    for f in contract.fields:
        rules.extend(field_rules(f, now_sql, references))
    if contract.period_field and period_sql != "NULL":
        f = contract.field(contract.period_field)
        after = f"(CAST({period_sql} || '-01' AS DATE) + INTERVAL 1 MONTH)"
        rules.append((
            # a date in the future is said once, as such
            f"{typed_expr(f)} >= {after} AND {typed_expr(f)} <= {now_sql}",
            f"'{f.name} ' || {_quoted(f)} || ' is after the extract''s period (' || "
            f"{period_sql} || ')'",
        ))
    for condition, message in contract.row_checks:
        rules.append((condition, sql_str(message)))
    if not rules:
        return "NULL::VARCHAR"
    broken = " OR ".join(f"({c})" for c, _ in rules)
    words = ", ".join(f"CASE WHEN {c} THEN {m} END" for c, m in rules)
    return f"CASE WHEN {broken} THEN nullif(concat_ws('; ', {words}), '') END"
