"""The indicator catalogue on the demo data: every indicator published, figures that can be
recomputed by hand, pooled (not averaged) England and group figures, disclosure control and
funnel limits. Reads the serving database the `published_home` run published."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration

CATALOGUE = REPO / "seeds" / "reference" / "indicator_catalogue.csv"
Z95 = 1.959963984540054


def _catalogue() -> list[dict[str, str]]:
    with CATALOGUE.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def served(published_home: Path):
    con = duckdb.connect(str(published_home / "serving.duckdb"), read_only=True)
    yield con
    con.close()


def test_every_catalogue_indicator_is_published_for_partnerships(served) -> None:
    published = dict(served.execute(
        "SELECT indicator_id, count(DISTINCT area_code) FROM analytics.indicator_values "
        "WHERE area_type = 'partnership' AND value IS NOT NULL GROUP BY 1"
    ).fetchall())
    for indicator in _catalogue():
        # persistent absence is published by the DfE for whole authorities only (two of the
        # five demo partnerships); every other indicator covers all five demo partnerships
        assert published.get(indicator["indicator_id"], 0) >= 2, indicator["indicator_id"]
    demo = {k: v for k, v in published.items() if k != "persistent_absence_pct"}
    assert min(demo.values()) >= 5, demo
    periods = {r[0] for r in served.execute(
        "SELECT DISTINCT period_type FROM analytics.indicator_values").fetchall()}
    assert periods == {"financial_year", "rolling_12_months", "quarter", "academic_year"}


def test_one_figure_recomputed_by_hand_from_police_crimes_and_the_population_seed(
    served,
) -> None:
    """vap_per_1000 for Blackburn with Darwen (one district, E06000008) in 2022/23."""
    count = served.execute(
        "SELECT count(*) FROM analytics.police_crimes WHERE source = 'police_crimes' "
        "AND partnership_code = 'E22000150' AND offence_group = 'VAP' "
        "AND month BETWEEN DATE '2022-04-01' AND DATE '2023-03-01'"
    ).fetchone()[0]
    with (REPO / "seeds" / "reference" / "population_mye2019.csv").open() as f:
        population = next(int(r["All ages"]) for r in csv.DictReader(f) if r["Code"] == "E06000008")
    row = served.execute(
        "SELECT numerator, denominator, value, lower_95, upper_95, method, england_value, "
        "compared_to_england FROM analytics.indicator_values WHERE indicator_id = 'vap_per_1000' "
        "AND area_code = 'E22000150' AND period_type = 'financial_year' "
        "AND period_start = DATE '2022-04-01'"
    ).fetchone()
    numerator, denominator, value, lower, upper, method, england, compared = row
    assert (numerator, denominator, method) == (count, population, "rate")
    assert value == pytest.approx(count / population * 1000, rel=1e-12)
    # Byar's method (count >= 10)
    x = count
    byar_lower = x * (1 - 1 / (9 * x) - Z95 / (3 * math.sqrt(x))) ** 3 / population * 1000
    byar_upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + Z95 / (3 * math.sqrt(x + 1))) ** 3
    assert lower == pytest.approx(byar_lower, rel=1e-9)
    assert upper == pytest.approx(byar_upper / population * 1000, rel=1e-9)
    # low is good: England above the area's interval means the area is better
    if lower <= england <= upper:
        assert compared == "similar"
    else:
        assert compared.endswith("better" if england > upper else "worse")


def test_england_region_and_groups_are_pooled_from_counts(served) -> None:
    rows = served.execute(
        """
        WITH partnerships AS (
            SELECT indicator_id, period_type, period_start, sum(numerator) AS x,
                   sum(denominator) AS n, bool_or(suppressed) AS any_suppressed,
                   min(multiplier) AS m
            FROM analytics.indicator_values
            WHERE area_type = 'partnership' AND method IN ('rate', 'proportion')
            GROUP BY ALL
        )
        SELECT p.indicator_id, p.x, p.n, p.m, e.numerator, e.denominator, e.value
        FROM partnerships p JOIN analytics.indicator_values e
          ON e.area_type = 'england' AND e.indicator_id = p.indicator_id
         AND e.period_type = p.period_type AND e.period_start = p.period_start
        WHERE NOT p.any_suppressed
        """
    ).fetchall()
    assert len(rows) > 50
    for indicator, x, n, m, ex, en, ev in rows:
        assert (ex, en) == (x, pytest.approx(n)), indicator
        assert ev == pytest.approx(x / n * m, rel=1e-12), indicator
    # a Most Similar Group: the sum over the partnership's 15 most similar, not itself
    groups = served.execute(
        """
        SELECT g.partnership_code, v.period_start, sum(v.numerator), sum(v.denominator),
               count(*)
        FROM analytics.most_similar_groups g
        JOIN analytics.indicator_values v
          ON v.area_code = g.similar_partnership_code AND v.area_type = 'partnership'
         AND v.indicator_id = 'vap_per_1000' AND v.period_type = 'financial_year'
        GROUP BY ALL
        """
    ).fetchall()
    checked = 0
    for code, start, x, n, pooled in groups:
        msg = served.execute(
            "SELECT numerator, value, areas_pooled FROM analytics.indicator_values "
            "WHERE area_type = 'msg' AND area_code = ? AND indicator_id = 'vap_per_1000' "
            "AND period_type = 'financial_year' AND period_start = ?", [f"MSG-{code}", start]
        ).fetchone()
        if msg is None:  # the partnership itself has no data: its group is not published
            continue
        assert msg == (x, pytest.approx(x / n * 1000), pooled)
        checked += 1
    assert checked > 0


def test_disclosure_control_withholds_small_counts(served) -> None:
    sensitive = tuple(r["indicator_id"] for r in _catalogue() if r["disclosure_control"] == "true")
    leaks = served.execute(
        f"SELECT count(*) FROM analytics.indicator_values WHERE area_type = 'partnership' "
        f"AND indicator_id IN {sensitive} AND numerator BETWEEN 1 AND 7"
    ).fetchone()[0]
    assert leaks == 0
    suppressed = served.execute(
        "SELECT numerator, value, lower_95, upper_998, compared_to_england, quintile, area_type "
        "FROM analytics.indicator_values WHERE suppressed"
    ).fetchall()
    assert suppressed, "the demo quarters have small counts: some must be suppressed"
    for row in suppressed:
        assert row[:4] == (None, None, None, None)
        assert row[4] == "not compared" and row[5] is None and row[6] == "partnership"
    # police figures are not person-identifying: small counts stay
    small_police = served.execute(
        "SELECT count(*) FROM analytics.indicator_values WHERE indicator_id = 'homicide_per_100k' "
        "AND area_type = 'partnership' AND numerator BETWEEN 1 AND 7 AND NOT suppressed"
    ).fetchone()[0]
    assert small_police > 0


def test_funnel_limits_bracket_the_benchmark_and_narrow_with_size(served) -> None:
    for indicator in ("vap_per_1000", "marac_repeat_pct"):
        rows = served.execute(
            "SELECT denominator, england_value, lower_998, lower_95, upper_95, upper_998 "
            "FROM analytics.funnel_limits WHERE indicator_id = ? AND period_type = "
            "'financial_year' AND period_start = DATE '2022-04-01' ORDER BY denominator",
            [indicator],
        ).fetchall()
        assert len(rows) >= 30, indicator
        widths = [r[5] - r[2] for r in rows]
        assert all(a >= b for a, b in zip(widths, widths[1:], strict=False)), indicator
        for _, benchmark, l998, l95, u95, u998 in rows:
            assert l998 <= l95 <= benchmark <= u95 <= u998
