"""Data-quality checks that gate publishing, graded.

Blocking (publishing would mislead): the Great Expectations suites under
``expectations/suites`` and a month's police extract 60% or more below the partnership's
usual. Warning (shown on the data-sharing dashboard, publishing goes ahead): the same fall in
the other agencies' extracts. dbt's own tests surface as checks through ``dbt build``
(severity error blocks, warn warns)."""

from __future__ import annotations

import hashlib
import importlib
import threading
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.resources import Warehouse

RUNNER = Path(__file__).resolve().parents[2] / "expectations" / "runner.py"


def import_great_expectations_meanwhile() -> threading.Thread:
    """Start importing Great Expectations on a thread and return it. The import takes about
    7 s of a single core and the suites run right after the dbt build; the build is a dbt
    subprocess that this process only watches, so the import is off the critical path when
    it starts with the build. Not a daemon thread: a run that ends early waits for it rather
    than stopping an import half-way at interpreter exit. Python's import lock makes the
    checks' own `import great_expectations` wait for this one if it is still going."""
    thread = threading.Thread(target=importlib.import_module, args=("great_expectations",),
                              name="import-great-expectations")
    thread.start()
    return thread


EXPECTATION_RUNS_DDL = """CREATE TABLE IF NOT EXISTS ops.expectation_runs (
    suite VARCHAR NOT NULL,         -- expectations/suites/<suite>.json
    inputs VARCHAR NOT NULL,        -- what the suite read, as it was (inputs_signature)
    passed BOOLEAN NOT NULL,
    evaluated INTEGER NOT NULL,     -- expectations evaluated
    checked_at TIMESTAMP NOT NULL
)"""


def inputs_signature(con: duckdb.DuckDBPyConnection, suite: str,
                     keys: list[list[str]]) -> str | None:
    """What a suite's result depends on, as one string: the suite file and the runner, and
    for each table it reads, when its rows last changed (a dbt model: ops.dbt_model_changes,
    written by every dbt build, dbt_project/macros/kept_table.sql; the load log: its rows and
    latest load). None when a table's history is unknown: the suite must run."""
    from expectations.runner import suite_path

    parts = [hashlib.sha256(suite_path(suite).read_bytes() + RUNNER.read_bytes()).hexdigest()]
    for key in keys:
        if key == ["ops", "load_log"]:
            row = con.execute("SELECT count(*), max(loaded_at) FROM ops.load_log").fetchone()
        else:
            try:
                row = con.execute(
                    "SELECT max(changed_at) FROM ops.dbt_model_changes WHERE unique_id = ? "
                    "HAVING max(computed_at) IS NOT NULL", [f"model.pvw.{key[-1]}"]).fetchone()
            except duckdb.CatalogException:  # a warehouse no dbt build has recorded in
                return None
        if row is None or row[-1] is None:
            return None
        parts.append("/".join(key) + "=" + ",".join(str(v) for v in row))
    return ";".join(parts)


def last_pass(con: duckdb.DuckDBPyConnection, suite: str, signature: str | None):
    """(checked_at, evaluated) of the suite's latest run when it passed on these inputs."""
    if signature is None:
        return None
    con.execute(EXPECTATION_RUNS_DDL)
    row = con.execute(
        "SELECT passed, inputs, checked_at, evaluated FROM ops.expectation_runs "
        "WHERE suite = ? ORDER BY checked_at DESC LIMIT 1", [suite]).fetchone()
    return (row[2], row[3]) if row and row[0] and row[1] == signature else None


def _expectations_check(
    suite: str, asset: list[str], reads: tuple[list[str], ...] = ()
) -> dg.AssetChecksDefinition:
    """Blocking check ``great_expectations_<suite>`` on ``asset``: the suite
    expectations/suites/<suite>.json on the build database, its table or its query (``reads``:
    the other assets the query reads). A suite that passed on tables that have not changed
    since (a monthly refresh leaves the Most Similar Groups and, in a month that completes no
    period, indicator_values as they were) passes again without being evaluated: the same
    expectations on the same rows give the same result."""

    @dg.asset_check(
        asset=dg.AssetKey(asset),
        name=f"great_expectations_{suite}",
        blocking=True,
        additional_deps=[dg.AssetKey(key) for key in reads],
        description=f"Great Expectations suite expectations/suites/{suite}.json; "
        "publishing waits until it passes.",
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        from expectations.runner import validate_suite

        con = warehouse.connect()
        try:
            signature = inputs_signature(con, suite, [asset, *reads])
            unchanged = last_pass(con, suite, signature)
        finally:
            con.close()
        if unchanged is not None:
            checked_at, evaluated = unchanged
            return dg.AssetCheckResult(
                passed=True, severity=dg.AssetCheckSeverity.ERROR,
                description=f"all expectations met: passed at {checked_at:%Y-%m-%d %H:%M:%S} "
                "on the same rows (not evaluated again)",
                metadata={"expectations_evaluated": 0, "evaluated_again": False,
                          "passed_at": str(checked_at), "expectations_in_suite": evaluated},
            )
        result = validate_suite(warehouse.path, suite)
        if signature is not None:
            con = warehouse.connect()
            try:
                con.execute(EXPECTATION_RUNS_DDL)
                con.execute(
                    "INSERT INTO ops.expectation_runs VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                    [suite, signature, result.success, result.evaluated])
            finally:
                con.close()
        return dg.AssetCheckResult(
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(f.detail for f in result.failures) or "all expectations met",
            metadata={
                "expectations_evaluated": result.evaluated,
                "evaluated_again": True,
                "failures": [f"{f.expectation} ({f.column}): {f.detail}" for f in result.failures],
            },
        )

    return check


indicator_values_expectations = _expectations_check(
    "indicator_values", ["analytics", "indicator_values"])
dim_partnerships_expectations = _expectations_check(
    "dim_partnerships", ["marts", "dim_partnerships"])
# One suite over an aggregate of the monthly facts (no fact table is read into pandas): shown
# on the police fact, with the other facts, the dimension and the load log as its inputs.
marts_monthly_volumes_expectations = _expectations_check(
    "marts_monthly_volumes", ["marts", "fct_police_crimes"],
    reads=(["marts", "fct_policeuk_crimes"], ["marts", "fct_ae_assault_attendances"],
           ["marts", "fct_ambulance_assaults"], ["marts", "fct_marac_cases"],
           ["marts", "fct_probation_caseload"], ["marts", "dim_partnerships"],
           ["ops", "load_log"]),
)


VOLUMES = dg.AssetKey(["analytics", "data_sharing_volumes"])
BLOCKING_VOLUME_SOURCES = ("police_crimes",)


def _volume_drops(warehouse: Warehouse, police: bool) -> list[tuple]:
    sources = ", ".join(f"'{s}'" for s in BLOCKING_VOLUME_SOURCES)
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        return con.execute(
            f"""
            SELECT source, partnership_name, partnership_code, strftime(extract_month, '%Y-%m'),
                   records, usual_records, change_vs_usual
            FROM analytics.data_sharing_volumes
            WHERE is_volume_drop AND NOT is_accepted
              AND source {"IN" if police else "NOT IN"} ({sources})
            ORDER BY extract_month DESC, source, partnership_code
            """
        ).fetchall()
    finally:
        con.close()


def _volume_result(drops: list[tuple], severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    said = [
        f"{source} for {name} ({code}) {month}: {records:,} records, usual {usual:,.0f} "
        f"({change:+.0%})"
        for source, name, code, month, records, usual, change in drops
    ]
    more = f"; and {len(said) - 5} more" if len(said) > 5 else ""
    return dg.AssetCheckResult(
        passed=not drops, severity=severity,
        description=("; ".join(said[:5]) + more + " (accept a real fall in "
                     "seeds/reference/accepted_volume_changes.csv)") if drops
        else "no month fell 60% or more below its usual",
        metadata={"volume_drops": len(drops)},
    )


@dg.asset_check(
    asset=VOLUMES, name="volume_police_extracts", blocking=True,
    description="No month's police extract holds 60% or fewer records than the partnership's "
    "usual (median of its previous twelve months). Blocks publishing.",
)
def volume_police_extracts(warehouse: Warehouse) -> dg.AssetCheckResult:
    return _volume_result(_volume_drops(warehouse, police=True), dg.AssetCheckSeverity.ERROR)


@dg.asset_check(
    asset=VOLUMES, name="volume_other_extracts",
    description="The same fall in the police.uk, A&E, ambulance, probation caseload and MARAC "
    "extracts: a warning on the data-sharing dashboard.",
)
def volume_other_extracts(warehouse: Warehouse) -> dg.AssetCheckResult:
    return _volume_result(_volume_drops(warehouse, police=False), dg.AssetCheckSeverity.WARN)


quality_checks = [indicator_values_expectations, dim_partnerships_expectations,
                  marts_monthly_volumes_expectations, volume_police_extracts,
                  volume_other_extracts]
