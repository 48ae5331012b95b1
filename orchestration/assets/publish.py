"""The publish step: copy the checked build into ``serving.duckdb``, with this run's check
results and the publish history written into the copy."""

from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from orchestration.assets.dbt import pvw_dbt_models
from orchestration.publish import CheckResult, publish
from orchestration.resources import Warehouse

# Publishing waits for every dbt model (and so for all their blocking checks).
PUBLISHED_MODELS = sorted(pvw_dbt_models.keys, key=lambda k: k.to_user_string())


def check_kind(check_name: str) -> str:
    if check_name.startswith("great_expectations_"):
        return "great expectations"
    if check_name.startswith("volume_"):
        return "volume"
    if check_name in {"no_rejected_files", "quarantine_below_5_percent"}:
        return "ingest"
    return "dbt test"


def check_results(evaluations: Iterable[dg.AssetCheckEvaluation]) -> list[CheckResult]:
    """Dagster's check evaluations of one run, graded: a WARN-severity check only warns."""
    results = []
    for ev in evaluations:
        asset = ev.asset_key.to_user_string()
        detail = ev.description or ""
        if not detail and not ev.passed:
            # a failed dbt test says only how many rows failed it
            failures = ev.metadata.get("dagster_dbt/failed_row_count")
            detail = f"{failures.value} failing rows" if failures is not None else ""
        results.append(CheckResult(
            asset=asset, check_name=ev.check_name, check_kind=check_kind(ev.check_name),
            grade="warning" if ev.severity == dg.AssetCheckSeverity.WARN else "blocking",
            passed=ev.passed, detail=" ".join(detail.split())[:1000],
        ))
    return results


def run_check_results(instance: dg.DagsterInstance, run_id: str) -> list[CheckResult]:
    records = instance.get_records_for_run(
        run_id=run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    return check_results(r.event_log_entry.dagster_event.asset_check_evaluation_data
                         for r in records if r.event_log_entry.dagster_event)


@dg.asset(
    name="serving_database",
    group_name="publish",
    kinds={"duckdb"},
    deps=PUBLISHED_MODELS,
    description="serving.duckdb: the published copy that Superset and analysts read "
    "(read-only). Replaced whole, only after dbt tests and the data-quality checks pass; "
    "the last few versions are kept for `pvw publish --rollback`.",
)
def serving_database(context: dg.AssetExecutionContext, warehouse: Warehouse
                     ) -> dg.MaterializeResult:
    checks = run_check_results(context.instance, context.run_id)
    result = publish(Path(warehouse.home), context.run_id, checks)
    warned = [c.check_name for c in checks if not c.passed]
    return dg.MaterializeResult(
        metadata={
            "path": str(result.path),
            "version": result.version,
            "bytes": result.bytes,
            "checks": len(checks),
            "warnings": warned,
            **{f"rows {t}": n for t, n in result.tables.items() if t.startswith("analytics.")},
        }
    )
