"""Data-quality checks that gate publishing: the Great Expectations suites under
``expectations/suites``, run as blocking Dagster asset checks on the tables they cover."""

from __future__ import annotations

import dagster as dg

from orchestration.resources import Warehouse


@dg.asset_check(
    asset=dg.AssetKey(["analytics", "indicator_values"]),
    name="great_expectations_indicator_values",
    blocking=True,
    description="Great Expectations suite expectations/suites/indicator_values.json; "
    "publishing waits until it passes.",
)
def indicator_values_expectations(warehouse: Warehouse) -> dg.AssetCheckResult:
    from expectations.runner import validate_table

    result = validate_table(warehouse.path, "analytics.indicator_values", "indicator_values")
    return dg.AssetCheckResult(
        passed=result.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(f.detail for f in result.failures) or "all expectations met",
        metadata={
            "expectations_evaluated": result.evaluated,
            "failures": [f"{f.expectation} ({f.column}): {f.detail}" for f in result.failures],
        },
    )


quality_checks = [indicator_values_expectations]
