"""Great Expectations data-quality gate for the pvw warehouse.

Each suite lives as a GX 1.x suite JSON file under ``expectations/suites/`` and says what it
validates in its ``meta``: either ``meta.table``, a table, every row (small tables only:
``analytics.indicator_values``, ``marts.dim_partnerships``), or ``meta.query``, one read-only
SELECT (a string, or a list of lines) whose result is validated: an aggregate over large fact
tables (``marts.fct_*``: millions of rows), so that DuckDB does the scanning and only the small
aggregate reaches pandas. Either is read through a read-only DuckDB connection (a query's also
without file-system access) and validated with an ephemeral GX context (pandas data source,
dataframe asset, whole-dataframe batch definition, ValidationDefinition). GX's SQL data source
over duckdb-engine does not work (see STACK_NOTES.md).

GX does all the checking; what it is given is cut down, because its pandas engine filters and
copies the whole dataframe several times per expectation (row conditions, ignore_row_if):
- the rows hold only the columns the expectations read (their column / column pair / column
  list, the columns a row_condition names, meta.row_key); a table is read that way, when the
  suite's reads can be told (``_columns_read``; otherwise every column is read);
- the expectations about the table's columns (``expect_table_columns_to_match_set`` and the
  like) are validated on a zero-row frame with every column of the table, so they still see
  all of it; their results are merged with the others' in the suite file's order;
- string columns are pandas categories where no result can change (``_as_categories``);
- DuckDB results are fetched through Arrow, giving the same frame as ``.df()`` faster
  (``_fetch_df``).
For the national indicator table (550,000 rows) this takes the suite from ~10 s to ~4 s, with the
same results (tests/unit/test_expectations.py compares them).

An optional ``meta.row_key`` (a list of columns) names what identifies a row; a failure's
example then says which row it is (``(e.g. 12 at source='police_crimes', month=2024-03-01)``).

GX is imported lazily inside the functions: importing it takes several seconds.
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import math
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUITES_DIR = Path(__file__).resolve().parent / "suites"

# Preconditions, not GX expectations, so they get their own names: the table (or the database
# file) does not exist; a suite's query does not run (a column it reads is gone, say).
TABLE_EXISTS = "table_exists"
QUERY_RUNS = "query_runs"

_MAX_EXAMPLE_CHARS = 160


@dataclass(frozen=True)
class ExpectationFailure:
    suite: str
    expectation: str  # GX expectation type, e.g. "expect_column_values_to_be_between"
    column: str | None  # column, "a, b" for multi-column expectations, None for table-level
    detail: str  # one readable line, e.g. "value: 3 of 120 rows below 0 (e.g. -1.0)"


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    table: str  # the table validated, or "query over <the tables the query reads>"
    success: bool
    evaluated: int
    failures: tuple[ExpectationFailure, ...]


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def suite_path(suite_name: str) -> Path:
    """Path of the suite JSON file for ``suite_name`` (the file stem)."""
    return SUITES_DIR / f"{suite_name}.json"


def load_suite(suite_name: str) -> dict[str, Any]:
    """The suite file as a dict. Raises FileNotFoundError for an unknown suite."""
    path = suite_path(suite_name)
    if not path.is_file():
        known = ", ".join(p.stem for p in sorted(SUITES_DIR.glob("*.json"))) or "none"
        raise FileNotFoundError(f"no expectation suite {suite_name!r} at {path} (known: {known})")
    return json.loads(path.read_text(encoding="utf-8"))


def suite_source(suite_name: str, suite_dict: Mapping[str, Any]) -> tuple[str, str]:
    """What a suite validates: ``("table", name)`` or ``("query", sql)``, from its meta."""
    meta = suite_dict.get("meta") or {}
    table, query = meta.get("table"), meta.get("query")
    if isinstance(query, list):
        query = "\n".join(str(line) for line in query)
    if bool(table) == bool(query):
        raise ValueError(
            f"suite {suite_name} must name either its table (meta.table) or its query "
            f"(meta.query), not {'both' if table else 'neither'}"
        )
    return ("table", str(table)) if table else ("query", str(query))


def validate_suite(db_path: Path, suite_name: str) -> SuiteResult:
    """Validate the DuckDB file ``db_path`` against suite ``suite_name``: its table or query."""
    kind, what = suite_source(suite_name, load_suite(suite_name))
    if kind == "table":
        return validate_table(db_path, what, suite_name)
    return validate_query(db_path, what, suite_name)


def validate_table(db_path: Path, table: str, suite_name: str) -> SuiteResult:
    """Validate ``table`` in the DuckDB file ``db_path`` against suite ``suite_name``.

    A missing database file or table is reported as a failed SuiteResult, not raised.
    """
    db_path = Path(db_path)
    suite_dict = load_suite(suite_name)

    frames = _read_table(db_path, table, suite_dict)
    if frames is None:
        reason = "" if db_path.exists() else " (database file does not exist)"
        return _not_validated(suite_name, table, TABLE_EXISTS,
                              f"table {table} not found in {db_path}{reason}")
    header, rows = frames
    return _validate_df(rows, table, suite_name, suite_dict, header=header)


def _not_validated(suite_name: str, label: str, expectation: str, detail: str) -> SuiteResult:
    """A suite that could not be run at all (no database, table or query): one failure."""
    failure = ExpectationFailure(suite=suite_name, expectation=expectation, column=None,
                                 detail=detail)
    return SuiteResult(suite_name, label, False, 0, (failure,))


def validate_query(db_path: Path, query: str, suite_name: str) -> SuiteResult:
    """Validate the result of ``query`` on the DuckDB file ``db_path`` against ``suite_name``.

    ``query`` must be one SELECT statement (ValueError otherwise); it runs on a read-only
    connection without file-system access, so it can read the database and nothing else. A
    missing database file, or a query that fails (a table or column it reads is missing), is
    reported as a failed SuiteResult, not raised.
    """
    import duckdb

    db_path = Path(db_path)
    suite_dict = load_suite(suite_name)
    _require_one_select(query, suite_name)
    label = "query over " + (", ".join(_tables_read(query)) or "no table")

    if not db_path.is_file():
        return _not_validated(suite_name, label, TABLE_EXISTS,
                              f"{label}: database {db_path} does not exist")
    try:
        df = _read_query(db_path, query)
    except duckdb.Error as exc:
        missing = isinstance(exc, duckdb.CatalogException)
        message = " ".join(str(exc).split("\n")[0].split())
        return _not_validated(suite_name, label, TABLE_EXISTS if missing else QUERY_RUNS,
                              f"query could not run on {db_path}: {_clip(message)}")
    return _validate_df(df, label, suite_name, suite_dict)


def _validate_df(
    df: Any, table: str, suite_name: str, suite_dict: Mapping[str, Any], header: Any = None
) -> SuiteResult:
    """Validate ``df`` against the suite. ``header``: a zero-row frame with every column of
    the table, when ``df`` holds only some of them (default: ``df``'s own columns).

    The expectations about the columns (``_COLUMN_SHAPE``) are validated on the header, the
    others on ``df`` cut down to the columns they read, string columns as categories where
    that is safe (``_as_categories``); their results are merged in the suite file's order.
    """
    if header is None:
        header = df.iloc[:0]
    shape, row_checks = _split_suite(suite_dict)
    wanted = _suite_columns_read(suite_dict, list(header.columns))
    if wanted is not None and wanted != list(df.columns):
        df = df[[c for c in wanted if c in df.columns]]
    df = _as_categories(df, [e for _, e in row_checks])
    parts = [(frame, checks) for frame, checks in ((header, shape), (df, row_checks)) if checks]
    runs = _run_gx(parts or [(df, [])], suite_name, suite_dict)
    failed = [(position, r) for run in runs for position, r in run.results if not r.success]
    # GX returns results grouped by metric; report them in the order of the suite file.
    failed.sort(key=lambda item: item[0])
    failures = tuple(_to_failure(suite_name, r) for _, r in failed)
    evaluated = sum(run.evaluated for run in runs)
    return SuiteResult(
        suite=suite_name,
        table=table,
        success=all(run.success for run in runs) and not failures,
        evaluated=evaluated,
        failures=failures,
    )


def validate_all(db_path: Path) -> list[SuiteResult]:
    """Run every suite under ``expectations/suites/`` against the table or query in its meta."""
    paths = sorted(SUITES_DIR.glob("*.json"))
    for path in paths:  # every suite says what it reads before any is run
        suite_source(path.stem, json.loads(path.read_text(encoding="utf-8")))
    return [validate_suite(db_path, path.stem) for path in paths]


# --------------------------------------------------------------------------------------------
# DuckDB
# --------------------------------------------------------------------------------------------


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_table(db_path: Path, table: str, suite_dict: Mapping[str, Any] | None = None):
    """Read ``table`` ("name", "schema.name" or "catalog.schema.name"), or None if absent.

    Returns ``(header, rows)``: a zero-row frame with every column of the table, and its rows
    with the columns the expectations of ``suite_dict`` read (every column without a suite, or
    when the suite's reads cannot be told: see ``_columns_read``).
    """
    import duckdb

    if not db_path.is_file():
        return None
    parts = table.split(".")
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise ValueError(f"cannot parse table name {table!r}")
    if len(parts) == 1:
        parts = ["main", *parts]

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        if len(parts) == 3:
            catalog_sql, params = "lower(table_catalog) = lower(?)", list(parts)
        else:
            catalog_sql, params = "table_catalog = current_database()", list(parts)
        # fetchall(), not fetchone(): with duckdb 2 a partly fetched execute() result blocks
        # the next statement on the connection (ResourceInUseException).
        found = con.execute(
            "select count(*) from information_schema.tables "
            f"where {catalog_sql} and lower(table_schema) = lower(?) "
            "and lower(table_name) = lower(?)",
            params,
        ).fetchall()
        if not found or not found[0][0]:
            return None
        qualified = ".".join(_quote_ident(p) for p in parts)
        header = con.sql(f"select * from {qualified} limit 0").df()
        wanted = None if suite_dict is None else _suite_columns_read(suite_dict, header.columns)
        if wanted is None or wanted == list(header.columns):
            return header, _fetch_df(con, f"select * from {qualified}")
        selected = ", ".join(_quote_ident(c) for c in wanted)
        return header, _fetch_df(con, f"select {selected} from {qualified}")
    finally:
        con.close()


def _require_one_select(query: str, suite_name: str) -> None:
    import duckdb

    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise ValueError(f"suite {suite_name}: meta.query does not parse: {exc}") from exc
    kinds = [s.type for s in statements]
    if kinds != [duckdb.StatementType.SELECT]:
        found = ", ".join(k.name for k in kinds) or "nothing"
        raise ValueError(
            f"suite {suite_name}: meta.query must be one read-only SELECT statement, found {found}"
        )


def _tables_read(query: str) -> list[str]:
    import duckdb

    con = duckdb.connect()
    try:
        names = con.get_table_names(query, qualified=True)  # "marts.dim AS d" for an alias
        return sorted({re.split(r"\s+as\s+", n, flags=re.IGNORECASE)[0] for n in names})
    except duckdb.Error:
        return []
    finally:
        con.close()


def _read_query(db_path: Path, query: str):  # -> pandas.DataFrame
    """The result of ``query``: read-only, and without file-system access (no read_csv,
    no COPY, no ATTACH), so it sees the database's own tables and nothing else."""
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True, config={"enable_external_access": False})
    try:
        return _fetch_df(con, query)
    finally:
        con.close()


# DuckDB types whose values come back the same through Arrow (fetched once, see _fetch_df).
_ARROW_EXACT = frozenset({
    "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT",
    "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DATE", "TIMESTAMP", "VARCHAR",
})


def _fetch_df(con, sql: str):  # -> pandas.DataFrame
    """``con.sql(sql).df()``, the same frame, faster: DuckDB's pandas conversion builds a Python
    str per VARCHAR value (about 1.5 s for the national indicator table), pyarrow's makes the
    same ``str`` column from the Arrow buffers. So the result is fetched once as Arrow; its
    VARCHAR columns with a value go through pyarrow, the rest (all-null VARCHAR, which DuckDB
    gives as object, and every other type) through DuckDB's own conversion of the Arrow
    table. A result with a type outside ``_ARROW_EXACT`` is fetched with ``.df()``."""
    import pyarrow as pa

    relation = con.sql(sql)
    names, types = list(relation.columns), [str(t) for t in relation.types]
    if not set(types) <= _ARROW_EXACT or len(set(names)) != len(names):
        return relation.df()
    table = relation.to_arrow_table()
    text = {
        name for name, kind in zip(names, types, strict=True)
        if kind == "VARCHAR"
        and table.column(name).type in (pa.string(), pa.large_string())
        and table.column(name).null_count < table.num_rows
    }
    if not text:
        return con.from_arrow(table).df()
    rest = [n for n in names if n not in text]
    if rest:
        df = con.from_arrow(table.select(rest)).df()
    else:
        import pandas as pd

        df = pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    for name in text:
        df[name] = table.column(name).to_pandas()
    return df[names]


# --------------------------------------------------------------------------------------------
# What the expectations read: the frames GX gets
# --------------------------------------------------------------------------------------------

# Expectations about the table's columns (names, order, count), not its rows: validated on a
# zero-row frame with every column, so that the rows' frame can hold only the columns read.
_COLUMN_SHAPE = frozenset({
    "expect_table_columns_to_match_set",
    "expect_table_columns_to_match_ordered_list",
    "expect_table_column_count_to_equal",
    "expect_table_column_count_to_be_between",
    "expect_column_to_exist",
})
# Table-level expectations that read only the number of rows.
_ROW_COUNT = frozenset({"expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"})
# Expectations whose GX pandas metric gives the same result on a category column as on a string
# column: isnull, isin, duplicated, astype(str).str.contains (the unexpected values, plain str,
# are the same too). A string column only these read is validated as a pandas category, which
# GX's row filters (a take of every column, several per expectation) copy far faster than
# pyarrow strings.
_CATEGORY_SAFE = frozenset({
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
})


def _split_suite(
    suite_dict: Mapping[str, Any],
) -> tuple[list[tuple[int, dict]], list[tuple[int, dict]]]:
    """The suite's expectations, each with its position in the file: those about the table's
    columns (``_COLUMN_SHAPE``), and the others, which read rows."""
    shape: list[tuple[int, dict]] = []
    rows: list[tuple[int, dict]] = []
    for position, expectation in enumerate(suite_dict.get("expectations") or []):
        kind = expectation.get("type")
        (shape if kind in _COLUMN_SHAPE else rows).append((position, expectation))
    return shape, rows


def _suite_row_key(suite_dict: Mapping[str, Any]) -> list[str]:
    return list((suite_dict.get("meta") or {}).get("row_key") or [])


def _domain_columns(kwargs: Mapping[str, Any]) -> list[str]:
    """The columns of an expectation's domain: column, column pair or column list."""
    names = [kwargs.get(k) for k in ("column", "column_A", "column_B")]
    names += list(kwargs.get("column_list") or [])
    return [str(n) for n in names if n is not None]


def _suite_columns_read(suite_dict: Mapping[str, Any], columns: Sequence[str]) -> list[str] | None:
    """The ``columns`` the suite's expectations on rows and its row key read (see below)."""
    _, row_checks = _split_suite(suite_dict)
    return _columns_read([e for _, e in row_checks], _suite_row_key(suite_dict), list(columns))


def _columns_read(
    expectations: Sequence[Mapping[str, Any]], row_key: Sequence[str], columns: Sequence[str]
) -> list[str] | None:
    """The ``columns`` (in their order) that ``expectations`` and the row key read, or None
    when that cannot be told (then every column is read).

    An expectation reads its domain columns and the columns its row_condition names (any
    column whose name occurs in the condition's text: a superset is harmless); a row-count
    expectation reads none. An expectation of another kind without domain columns (a table
    expectation this module does not know), or a row_condition that is not a string, could
    read anything.
    """
    read = set(row_key)
    for expectation in expectations:
        kwargs = expectation.get("kwargs") or {}
        domain = _domain_columns(kwargs)
        if not domain and expectation.get("type") not in _ROW_COUNT:
            return None
        read.update(domain)
        condition = kwargs.get("row_condition")
        if condition is not None and not isinstance(condition, str):
            return None
        if condition:
            read.update(c for c in columns if c in condition)
    picked = [c for c in columns if c in read]
    return picked or None  # no column at all: read them all rather than an empty select


def _as_categories(df, expectations: Sequence[Mapping[str, Any]]):
    """``df`` with its string columns as pandas categories where that cannot change a result:
    every expectation reading the column is ``_CATEGORY_SAFE`` (a value set of strings only)
    and every row_condition naming it only compares it for (in)equality or membership with
    string literals (an ordering comparison or a method call on a category would fail)."""
    import pandas as pd

    unsafe: set[str] = set()
    for expectation in expectations:
        kwargs = expectation.get("kwargs") or {}
        value_set = kwargs.get("value_set")
        strings_only = value_set is None or all(isinstance(v, str) for v in value_set)
        if expectation.get("type") not in _CATEGORY_SAFE or not strings_only:
            unsafe.update(_domain_columns(kwargs))
        condition = kwargs.get("row_condition")
        if condition:
            unsafe.update(
                c for c in df.columns
                if c in str(condition) and not _compared_to_strings_only(condition, c)
            )
    convert = [
        c for c in df.columns
        if c not in unsafe and isinstance(df[c].dtype, pd.StringDtype)
    ]
    if not convert:
        return df
    return df.astype(dict.fromkeys(convert, "category"))


def _compared_to_strings_only(condition: Any, column: str) -> bool:
    """Whether every use of ``column`` in the pandas query ``condition`` is ``column == 'x'``
    or ``!=`` (either way round), or ``column in [...]`` or ``not in``, against a string or a
    list of strings. False when the condition is not a plain Python expression (backticks,
    @variables)."""
    if not isinstance(condition, str):
        return False
    try:
        tree = ast.parse(condition.strip(), mode="eval")
    except SyntaxError:
        return False
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Name) and node.id == column):
            continue
        compare = parents.get(node)
        if not (
            isinstance(compare, ast.Compare)
            and len(compare.ops) == 1
            and isinstance(compare.ops[0], ast.Eq | ast.NotEq | ast.In | ast.NotIn)
        ):
            return False
        if isinstance(compare.ops[0], ast.In | ast.NotIn) and compare.left is not node:
            return False  # "'x' in column": not a membership test of the column's values
        other = compare.comparators[0] if compare.left is node else compare.left
        values = other.elts if isinstance(other, ast.List | ast.Tuple) else [other]
        if not all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values):
            return False
    return True


# --------------------------------------------------------------------------------------------
# Great Expectations
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_gx() -> Iterator[None]:
    """Silence GX's INFO chatter and import-time deprecation warnings for the duration."""
    gx_logger = logging.getLogger("great_expectations")
    previous = gx_logger.level
    gx_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        gx_logger.setLevel(previous)


@dataclass(frozen=True)
class _GxRun:
    success: bool
    evaluated: int
    results: list[tuple[int, Any]]  # (position in the suite file, ExpectationValidationResult)


def _run_gx(
    parts: Sequence[tuple[Any, Sequence[tuple[int, Mapping[str, Any]]]]],
    suite_name: str,
    suite_dict: Mapping[str, Any],
) -> list[_GxRun]:
    """Validate each (dataframe, [(position, expectation), ...]) part with one ephemeral GX
    context: a dataframe asset, a suite and a ValidationDefinition per part."""
    with _quiet_gx():
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        )
        context = gx.get_context(mode="ephemeral", project_config=config)
        data_source = context.data_sources.add_pandas(name="pvw_duckdb")
        result_format: str | dict[str, Any] = "SUMMARY"
        row_key = _suite_row_key(suite_dict)
        if row_key:  # each example failure also names its row
            result_format = {"result_format": "SUMMARY", "unexpected_index_column_names": row_key}

        unknown = len(suite_dict.get("expectations") or [])  # after every known position
        runs = []
        for n, (df, checks) in enumerate(parts):
            suffix = "" if n == len(parts) - 1 else f"_part{n + 1}"  # the last: the rows
            name = suite_name + suffix
            suite = context.suites.add(
                gx.ExpectationSuite(
                    name=(suite_dict.get("name") or suite_name) + suffix,
                    expectations=[dict(e) for _, e in checks],
                    meta=dict(suite_dict.get("meta") or {}),
                    notes=suite_dict.get("notes"),
                )
            )
            batch_definition = data_source.add_dataframe_asset(
                name=name
            ).add_batch_definition_whole_dataframe(name="whole_table")
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=f"{name}_gate", data=batch_definition, suite=suite)
            )
            result = validation.run(
                batch_parameters={"dataframe": df}, result_format=result_format
            )
            # the suite keeps its expectations in the order given: map them to the file's
            position = {e.id: p for e, (p, _) in zip(suite.expectations, checks, strict=True)}
            runs.append(_GxRun(
                success=bool(result.success),
                evaluated=int(result.statistics.get("evaluated_expectations",
                                                    len(result.results))),
                results=[(position.get(r.expectation_config.id, unknown), r)
                         for r in result.results],
            ))
        return runs


# --------------------------------------------------------------------------------------------
# Mapping GX results to readable failures
# --------------------------------------------------------------------------------------------


def _to_failure(suite_name: str, r) -> ExpectationFailure:
    cfg = r.expectation_config
    kwargs = dict(cfg.kwargs)
    column = _column_label(kwargs)
    error = _exception_message(r.exception_info)
    if error is not None:
        detail = f"{column or 'table'}: could not be evaluated ({error})"
    else:
        detail = _detail(cfg.type, kwargs, dict(r.result or {}), column)
    return ExpectationFailure(suite=suite_name, expectation=cfg.type, column=column, detail=detail)


def _column_label(kwargs: Mapping[str, Any]) -> str | None:
    if kwargs.get("column") is not None:
        return str(kwargs["column"])
    if kwargs.get("column_list"):
        return ", ".join(str(c) for c in kwargs["column_list"])
    if kwargs.get("column_A") is not None and kwargs.get("column_B") is not None:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    return None


def _exception_message(info: Any) -> str | None:
    """GX puts either one exception dict or a dict of them keyed by metric id here."""
    if not isinstance(info, Mapping) or not info:
        return None
    candidates = [info] if "raised_exception" in info else list(info.values())
    for item in candidates:
        if isinstance(item, Mapping) and (
            item.get("raised_exception") or item.get("exception_message")
        ):
            message = str(item.get("exception_message") or "unknown error").strip()
            return message.splitlines()[0] if message else "unknown error"
    return None


def _detail(kind: str, kwargs: dict, result: dict, column: str | None) -> str:
    subject = column or "table"
    n = result.get("unexpected_count")
    total = result.get("element_count")
    examples = list(result.get("partial_unexpected_list") or [])
    rows = f"{n} of {total} rows" if n is not None and total is not None else "some rows"
    at = _row_key(result, kwargs)

    if kind == "expect_table_columns_to_match_set":
        mismatched = (result.get("details") or {}).get("mismatched") or {}
        parts = []
        if mismatched.get("missing"):
            parts.append("missing " + ", ".join(map(str, mismatched["missing"])))
        if mismatched.get("unexpected"):
            parts.append("unexpected " + ", ".join(map(str, mismatched["unexpected"])))
        if not parts:
            parts.append(f"columns {result.get('observed_value')} do not match the contract")
        return "table columns: " + "; ".join(parts)

    if kind in ("expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"):
        return f"table: {result.get('observed_value')} rows, expected {_range(kwargs)}"

    if kind == "expect_column_values_to_not_be_null":
        return f"{subject}: {rows} are null" + (f" (e.g.{at})" if at else "")

    if kind == "expect_column_values_to_be_null":
        return f"{subject}: {rows} are not null{_eg(examples, at)}"

    if kind == "expect_column_values_to_be_unique":
        return f"{subject}: {rows} share a duplicated value{_eg(examples, at)}"

    if kind == "expect_column_sum_to_be_between":
        return f"{subject}: sum {_fmt(result.get('observed_value'))}, expected {_range(kwargs)}"

    if kind == "expect_column_values_to_be_between":
        return f"{subject}: {rows} {_between_phrase(kwargs, examples)}{_eg(examples, at)}"

    if kind == "expect_column_values_to_match_regex":
        return f"{subject}: {rows} do not match {kwargs.get('regex')}{_eg(examples, at)}"

    if kind == "expect_column_values_to_be_in_set":
        allowed = ", ".join(_fmt(v) for v in kwargs.get("value_set") or [])
        return f"{subject}: {rows} not in ({allowed}){_eg(examples, at)}"

    if kind in ("expect_compound_columns_to_be_unique", "expect_multicolumn_values_to_be_unique"):
        example = ""
        if examples and isinstance(examples[0], Mapping):
            example = " (e.g. " + ", ".join(f"{k}={_fmt(v)}" for k, v in examples[0].items())
            example = _clip(example) + ")"
        return f"{subject}: {rows} share a duplicated key{example}"

    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kwargs.get("column_A"), kwargs.get("column_B")
        op = "<" if kwargs.get("or_equal") else "<="
        example = ""
        if examples and isinstance(examples[0], Sequence) and len(examples[0]) == 2:
            example = f" (e.g. {_fmt(examples[0][0])} {op} {_fmt(examples[0][1])}{at})"
        return f"{subject}: {rows} with {a} {op} {b}{example}"

    # Generic fallbacks for expectations added to a suite later.
    if n is not None:
        return f"{subject}: {rows} failed {kind}{_eg(examples, at)}"
    if "observed_value" in result:
        return f"{subject}: observed {_fmt(result['observed_value'])}, failed {kind}"
    return f"{subject}: failed {kind}"


def _bound(value: Any) -> str:
    """A bound from the suite; GX turns 0 into 0.0, show it as written: 0."""
    value = _plain(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _fmt(value)


def _range(kwargs: Mapping[str, Any]) -> str:
    if "value" in kwargs:
        return f"exactly {_bound(kwargs['value'])}"
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    if lo is not None and hi is not None:
        return f"between {_bound(lo)} and {_bound(hi)}"
    if lo is not None:
        return f"{'more than' if kwargs.get('strict_min') else 'at least'} {_bound(lo)}"
    if hi is not None:
        return f"{'fewer than' if kwargs.get('strict_max') else 'at most'} {_bound(hi)}"
    return "any number"


def _between_phrase(kwargs: Mapping[str, Any], examples: list) -> str:
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    strict_lo, strict_hi = bool(kwargs.get("strict_min")), bool(kwargs.get("strict_max"))
    below = f"{'at or below' if strict_lo else 'below'} {_bound(lo)}"
    above = f"{'at or above' if strict_hi else 'above'} {_bound(hi)}"
    if lo is not None and hi is None:
        return below
    if hi is not None and lo is None:
        return above
    numbers = [_plain(v) for v in examples]
    numbers = [v for v in numbers if isinstance(v, int | float) and not isinstance(v, bool)]
    if numbers and len(numbers) == len(examples):
        if all(v < lo or (strict_lo and v == lo) for v in numbers):
            return below
        if all(v > hi or (strict_hi and v == hi) for v in numbers):
            return above
    return f"outside {_bound(lo)}..{_bound(hi)}"


def _eg(examples: list, at: str = "") -> str:
    return f" (e.g. {_clip(_fmt(examples[0]))}{at})" if examples else ""


def _row_key(result: Mapping[str, Any], kwargs: Mapping[str, Any]) -> str:
    """The first failing row's key (suite meta.row_key) as " at source='ae_istv', month=…",
    leaving out the columns the expectation itself reads; "" without a key."""
    rows = result.get("partial_unexpected_index_list") or []
    if not rows or not isinstance(rows[0], Mapping):
        return ""
    names = result.get("unexpected_index_column_names") or list(rows[0])
    checked = {kwargs.get(k) for k in ("column", "column_A", "column_B")}
    checked.update(kwargs.get("column_list") or [])
    shown = [f"{k}={_fmt(rows[0].get(k))}" for k in names if k not in checked and k in rows[0]]
    return " at " + _clip(", ".join(shown)) if shown else ""


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_EXAMPLE_CHARS else text[: _MAX_EXAMPLE_CHARS - 3] + "..."


_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]00:00:00(?:\.0+)?$")


def _plain(value: Any) -> Any:
    """numpy / pandas scalars to plain Python values."""
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str | bytes):
        with contextlib.suppress(Exception):
            return item()
    return value


def _fmt(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "null"
    if isinstance(value, float) and math.isnan(value):
        return "null"
    if isinstance(value, str):
        if value == "NaT":
            return "null"
        midnight = _MIDNIGHT.match(value)
        return midnight.group(1) if midnight else repr(value)
    if hasattr(value, "isoformat"):  # date, datetime, pandas Timestamp
        if str(value) == "NaT":
            return "null"
        text = value.isoformat()
        midnight = _MIDNIGHT.match(text)
        return midnight.group(1) if midnight else text
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_fmt(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    return repr(value)
