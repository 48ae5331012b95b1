"""docs/indicators.md is generated from the indicator catalogue and must be current; the
catalogue itself is consistent with the models that implement it."""

from __future__ import annotations

import re

from orchestration.indicators_doc import catalogue, render
from orchestration.settings import REPO_ROOT

MODELS = REPO_ROOT / "dbt_project" / "models"


def test_docs_indicators_is_up_to_date() -> None:
    committed = (REPO_ROOT / "docs" / "indicators.md").read_text()
    assert committed == render(), "docs/indicators.md is out of date: run `pvw indicators`"


def test_every_catalogue_indicator_is_implemented_in_sql() -> None:
    sql = "".join(
        (MODELS / "intermediate" / f"{m}.sql").read_text()
        for m in ("int_indicator_monthly_counts", "int_indicator_period_counts")
    )
    implemented = set(re.findall(r"'([a-z0-9_]+_(?:per_[0-9a-z_]+|pct|dsr|count))'", sql))
    ids = {r["indicator_id"] for r in catalogue()}
    assert ids == implemented


def test_catalogue_rows_are_complete() -> None:
    rows = catalogue()
    assert len(rows) >= 24
    for r in rows:
        assert r["method"] in {"rate", "proportion", "dsr", "count"}, r["indicator_id"]
        assert r["polarity"] in {"low is good", "high is good", "no judgement"}
        assert int(r["multiplier"]) in {1, 100, 1000, 10000, 100000}
        assert (r["method"] == "proportion") == (r["denominator_type"] == "data"), r
        assert r["numerator_definition"] and r["denominator_definition"]
        # person-identifying sources are suppressed; police figures are not
        assert (r["disclosure_control"] == "true") == (r["agency"] != "police"), r
