"""Data-quality checks that gate publishing, graded.

Blocking (publishing would mislead): the Great Expectations suites under
``expectations/suites`` and a month's police extract 60% or more below the partnership's
usual. Warning (shown on the data-sharing dashboard, publishing goes ahead): the same fall in
the other agencies' extracts. dbt's own tests surface as checks through ``dbt build``
(severity error blocks, warn warns)."""

from __future__ import annotations

import importlib
import threading

import dagster as dg
import duckdb

from orchestration.resources import Warehouse


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


def _expectations_check(
    suite: str, asset: list[str], reads: tuple[list[str], ...] = ()
) -> dg.AssetChecksDefinition:
    """Blocking check ``great_expectations_<suite>`` on ``asset``: the suite
    expectations/suites/<suite>.json on the build database, its table or its query (``reads``:
    the other assets the query reads)."""

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

        result = validate_suite(warehouse.path, suite)
        return dg.AssetCheckResult(
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(f.detail for f in result.failures) or "all expectations met",
            metadata={
                "expectations_evaluated": result.evaluated,
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
