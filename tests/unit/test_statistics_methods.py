"""The indicator statistics macros (dbt_project/macros/statistics/) against the official vectors.

The real macros are rendered by dbt (one ``dbt seed`` of the exact-limits lookup and one
``dbt compile --inline`` of every query below, in a temporary PVW_HOME and target path) and the
compiled SQL runs in DuckDB against the vectors of PHEindicatormethods' own test suite
(tests/fixtures/methods/, see its README), to 1e-9 relative. A second set compares the macros
with phstatsmethods (the Python port) on random inputs, and the comparison labels, SPC limits
and NULL rules are checked on hand-worked cases.
"""

from __future__ import annotations

import csv
import math
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest

from orchestration.reference_data import poisson_exact_limits

REPO = Path(__file__).resolve().parents[2]
METHODS = REPO / "tests" / "fixtures" / "methods"
SEED_CSV = REPO / "seeds" / "reference" / "poisson_exact_limits.csv"

REL_TOL = 1e-9
ABS_TOL = 1e-12
Z95 = 1.959963984540054
Z998 = 3.090232306167813
CONFIDENCE = {"95%": 0.95, "99.8%": 0.998}
# European Standard Population 2013, the 19 bands 0-4, 5-9, ..., 85-89, 90+ (METHODS.md)
ESP2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
           7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000]
QUANTILES = {"Quartile": 4, "Septile": 7, "Decile": 10}
# polarity as the quantile vectors spell it -> the project's vocabulary. '1' / '0' are the
# package's logical "invert" flag (TRUE = low is good).
POLARITY = {"RAG - Low is good": "low is good", "RAG - High is good": "high is good",
            "1": "low is good", "0": "high is good"}
RANDOM_PAIRS = 300

# Every query is rendered by dbt in one invocation; the tables they read are loaded by the
# fixtures below after rendering. Arguments are SQL expressions: columns, literals, aggregates.
QUERIES: dict[str, str] = {
    "z": """
        select {{ stats_z(0.95) }}, {{ stats_z(0.998) }}, {{ stats_z('c') }}
        from (values (0.9), (cast(null as double))) as t(c)
    """,
    "seed": """
        select observed, confidence, lower_count, upper_count
        from {{ ref('poisson_exact_limits') }} order by confidence, observed
    """,
    # literal confidence levels
    "rate": """
        select id, {{ stats_rate_value('x', 'n', 'm') }},
            {{ stats_rate_lower('x', 'n', 'm', 0.95) }},
            {{ stats_rate_upper('x', 'n', 'm', 0.95) }},
            {{ stats_rate_lower('x', 'n', 'm', 0.998) }},
            {{ stats_rate_upper('x', 'n', 'm', 0.998) }}
        from rate_in order by id
    """,
    # confidence from a column
    "rate_g": """
        select id, {{ stats_rate_value('x', 'n', 'm') }},
            {{ stats_rate_lower('x', 'n', 'm', 'c') }}, {{ stats_rate_upper('x', 'n', 'm', 'c') }}
        from rate_g_in order by id
    """,
    "prop": """
        select id, {{ stats_proportion_value('x', 'n', 'm') }},
            {{ stats_wilson_lower('x', 'n', 'm', 0.95) }},
            {{ stats_wilson_upper('x', 'n', 'm', 0.95) }},
            {{ stats_wilson_lower('x', 'n', 'm', 0.998) }},
            {{ stats_wilson_upper('x', 'n', 'm', 0.998) }}
        from prop_in order by id
    """,
    "prop_g": """
        select id, {{ stats_proportion_value('x', 'n', 'm') }},
            {{ stats_wilson_lower('x', 'n', 'm', 'c') }},
            {{ stats_wilson_upper('x', 'n', 'm', 'c') }}
        from prop_g_in order by id
    """,
    "byars": """
        select id, {{ stats_byars_lower('x', 'c') }}, {{ stats_byars_upper('x', 'c') }}
        from byars_in order by id
    """,
    "wilson": """
        select id, {{ stats_wilson_lower('x', 'n', 1, 'c') }},
            {{ stats_wilson_upper('x', 'n', 1, 'c') }}
        from wilson_in order by id
    """,
    # the caller's aggregates passed straight in (the exact-limit subquery sees sum(cnt))
    "dsr": """
        select area, m, sum(cnt),
        {%- for c in [0.95, 0.998] %}
            {{ stats_dsr_value('sum(cnt * w / pop)', 'sum(w)', 'sum(cnt)', 'm') }},
            {{ stats_dsr_lower('sum(cnt * w / pop)', 'sum(cnt * (w / pop) * (w / pop))',
                               'sum(w)', 'sum(cnt)', 'm', c) }},
            {{ stats_dsr_upper('sum(cnt * w / pop)', 'sum(cnt * (w / pop) * (w / pop))',
                               'sum(w)', 'sum(cnt)', 'm', c) }}{{ "," if loop.first }}
        {%- endfor %}
        from dsr_in cross join (values (10000), (100000)) as ms(m)
        group by area, m order by area, m
    """,
    "quantile_indsexreg": """
        select id, {{ stats_quantile('val', 'polarity', 'nq', 'indicator_id, sex, parent_code') }}
        from quantile_in where group_set = 'IndSexReg' order by id
    """,
    "quantile_indsex": """
        select id, {{ stats_quantile('val', 'polarity', 'nq', 'indicator_id, sex') }}
        from quantile_in where group_set = 'IndSex' order by id
    """,
    # the package's 'None' grouping: one group, inverted throughout
    "quantile_none": """
        select id, {{ stats_quantile('val', "'low is good'", 4, '') }}
        from quantile_in where group_set = 'None' order by id
    """,
    "quantile_badpolarity_constant": """
        select id, {{ stats_quantile('val', "'low is good'", 'nq', 'indicator_id, sex') }}
        from quantile_in where group_set = 'IndSex' and test = 'BadPolarity' order by id
    """,
    "quantile_small": """
        select g, v, {{ stats_quantile('v', 'p', 5, 'g') }}
        from quantile_small_in order by g, v
    """,
    "compare": """
        select id, {{ stats_compare('v', 'l95', 'u95', 'l998', 'u998', 'b', 'p') }}
        from compare_in order by id
    """,
    "spc": """
        select id, {{ stats_spc_lower('n', 'p0', 'm', 'c') }},
            {{ stats_spc_upper('n', 'p0', 'm', 'c') }}
        from spc_in order by id
    """,
    "switch": """
        select x, {{ stats_exact_lower('x', 0.95) }}, {{ stats_exact_upper('x', 0.95) }},
            {{ stats_poisson_lower('x', 0.95) }}, {{ stats_poisson_upper('x', 0.95) }},
            {{ stats_byars_lower('x', 0.95) }}, {{ stats_byars_upper('x', 0.95) }}
        from (values (0), (1), (9), (10), (11)) as t(x) order by x
    """,
    "bad_inputs": """
        select id,
            {{ stats_rate_value('x', 'n', 'm') }}, {{ stats_rate_lower('x', 'n', 'm', 'c') }},
            {{ stats_rate_upper('x', 'n', 'm', 'c') }},
            {{ stats_proportion_value('x', 'n', 'm') }},
            {{ stats_wilson_lower('x', 'n', 'm', 'c') }},
            {{ stats_wilson_upper('x', 'n', 'm', 'c') }},
            {{ stats_exact_lower('x', 'c') }}, {{ stats_exact_upper('x', 'c') }},
            {{ stats_byars_lower('x', 'c') }}, {{ stats_byars_upper('x', 'c') }},
            {{ stats_dsr_value('x', 'n', 'x', 'm') }},
            {{ stats_dsr_lower('x', 'x', 'n', 'x', 'm', 'c') }},
            {{ stats_dsr_upper('x', 'x', 'n', 'x', 'm', 'c') }}
        from bad_in order by id
    """,
    "random_rates": """
        select i, {{ stats_rate_value('x', 'n', 100000) }}
        {%- for c in [0.95, 0.998] -%}
            , {{ stats_rate_lower('x', 'n', 100000, c) }},
            {{ stats_rate_upper('x', 'n', 100000, c) }}
        {%- endfor %}
        from random_rates_in order by i
    """,
    "random_props": """
        select i, {{ stats_proportion_value('x', 'n', 100) }}
        {%- for c in [0.95, 0.998] -%}
            , {{ stats_wilson_lower('x', 'n', 100, c) }}, {{ stats_wilson_upper('x', 'n', 100, c) }}
        {%- endfor %}
        from random_props_in order by i
    """,
    "random_byars": """
        select i
        {%- for c in [0.95, 0.998] -%}
            , {{ stats_byars_lower('x', c) }}, {{ stats_byars_upper('x', c) }}
        {%- endfor %}
        from random_byars_in order by i
    """,
}
MARK = "-- @@query {}@@"


# --------------------------------------------------------------------------------------------
# helpers


def _num(text: str) -> float | None:
    return float(text) if text.strip() not in ("", "NA") else None


def _read(name: str) -> list[dict[str, str]]:
    with (METHODS / name).open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle)
                if any(v.strip() for v in row.values() if isinstance(v, str))]


def _close(actual: float | None, expected: float | None) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return math.isclose(actual, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _assert_rows(actual: list[tuple], expected: list[tuple], what: str) -> None:
    """Every row's key equal and every figure within tolerance (NULL only where NULL)."""
    assert len(actual) == len(expected), f"{what}: {len(actual)} rows, expected {len(expected)}"
    bad = [
        (exp, got) for got, exp in zip(actual, expected, strict=True)
        if got[0] != exp[0] or not all(_close(g, e) for g, e in zip(got[1:], exp[1:], strict=True))
    ]
    assert not bad, f"{what}: {len(bad)} rows differ, e.g. expected {bad[0][0]}, got {bad[0][1]}"


def _load(con: duckdb.DuckDBPyConnection, table: str, columns: str, rows: list[tuple]) -> None:
    con.execute(f"create or replace table {table} ({columns})")
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        con.executemany(f"insert into {table} values ({marks})", rows)


# --------------------------------------------------------------------------------------------
# fixtures: render with dbt once, run in DuckDB


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    """{query name: compiled SQL} and the warehouse holding the dbt-seeded lookup."""
    from dbt.cli.main import dbtRunner

    home = tmp_path_factory.mktemp("pvw_home")
    target = tmp_path_factory.mktemp("dbt_target")
    common = ["--profiles-dir", str(REPO / "dbt_project"), "--project-dir", str(REPO),
              "--target-path", str(target), "--log-path", str(target), "--quiet"]
    previous = os.environ.get("PVW_HOME")
    os.environ["PVW_HOME"] = str(home)
    try:
        runner = dbtRunner()
        seeded = runner.invoke(["seed", "--select", "poisson_exact_limits", *common])
        assert seeded.success, f"dbt seed failed: {seeded.exception}"
        inline = "\n".join(f"{MARK.format(name)}\n{sql}" for name, sql in QUERIES.items())
        compiled = runner.invoke(["compile", "--inline", inline, *common])
        assert compiled.success, f"dbt compile failed: {compiled.exception}"
        code = compiled.result.results[0].node.compiled_code
    finally:
        if previous is None:
            os.environ.pop("PVW_HOME", None)
        else:
            os.environ["PVW_HOME"] = previous
    parts = re.split(r"^-- @@query (\w+)@@$", code, flags=re.MULTILINE)
    sql = dict(zip(parts[1::2], parts[2::2], strict=True))
    assert set(sql) == set(QUERIES)
    yield sql, home / "warehouse.duckdb"


@pytest.fixture(scope="module")
def con(rendered: tuple[dict[str, str], Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(rendered[1]))
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def run(rendered: tuple[dict[str, str], Path], con: duckdb.DuckDBPyConnection):
    def _run(name: str) -> list[tuple]:
        return con.execute(rendered[0][name]).fetchall()

    return _run


# --------------------------------------------------------------------------------------------
# the lookup


def test_seed_csv_is_what_the_generator_writes() -> None:
    assert SEED_CSV.read_text(encoding="utf-8") == poisson_exact_limits.render()
    assert poisson_exact_limits.read(SEED_CSV) == poisson_exact_limits.rows()


def test_dbt_loads_the_seed_at_full_double_precision(run) -> None:
    # exact equality: every double survives dbt seed unchanged
    assert run("seed") == poisson_exact_limits.rows()


def test_z_constants_to_full_precision(run) -> None:
    from scipy.stats import norm

    assert norm.ppf(0.975) == Z95 and norm.ppf(0.999) == Z998
    rows = run("z")
    for z95, z998, other in rows:
        assert abs(z95 - Z95) < 1e-12 and abs(z998 - Z998) < 1e-12
        assert other is None  # only 95% and 99.8% are supported


# --------------------------------------------------------------------------------------------
# rates


def test_rate_vectors(con, run) -> None:
    rows = _read("testdata_Rate__testdata_Rate.csv")
    _load(con, "rate_in", "id integer, x double, n double, m double",
          [(i, _num(r["Numerator"]), _num(r["Denominator"]), float(r["multiplier"]))
           for i, r in enumerate(rows)])
    expected = [(i, *(_num(r[k]) for k in ("value", "lower95_0cl", "upper95_0cl",
                                           "lower99_8cl", "upper99_8cl")))
                for i, r in enumerate(rows)]
    assert len(rows) == 20 and any(_num(r["Numerator"]) > _num(r["Denominator"])
                                   for r in rows if r["Numerator"] and r["Denominator"])
    _assert_rows(run("rate"), expected, "testdata_Rate")


def test_rate_g_vectors(con, run) -> None:
    rows = _read("testdata_Rate__testdata_Rate_g.csv")
    _load(con, "rate_g_in", "id integer, x double, n double, m double, c double",
          [(i, _num(r["Numerator"]), _num(r["Denominator"]), float(r["multiplier"]),
            CONFIDENCE[r["confidence"]]) for i, r in enumerate(rows)])
    expected = [(i, *(_num(r[k]) for k in ("value", "lowercl", "uppercl")))
                for i, r in enumerate(rows)]
    assert len(rows) == 12
    _assert_rows(run("rate_g"), expected, "testdata_Rate_g")


# --------------------------------------------------------------------------------------------
# proportions (Wilson)


def test_proportion_vectors(con, run) -> None:
    rows = _read("testdata_Proportion__testdata_Prop.csv")
    _load(con, "prop_in", "id integer, x double, n double, m double",
          [(i, _num(r["Numerator"]), _num(r["Denominator"]), float(r["multiplier"]))
           for i, r in enumerate(rows)])
    expected = [(i, *(_num(r[k]) for k in ("value", "lower95_0cl", "upper95_0cl",
                                           "lower99_8cl", "upper99_8cl")))
                for i, r in enumerate(rows)]
    assert len(rows) == 19
    _assert_rows(run("prop"), expected, "testdata_Prop")


def test_proportion_g_vectors(con, run) -> None:
    rows = _read("testdata_Proportion__testdata_Prop_g.csv")
    _load(con, "prop_g_in", "id integer, x double, n double, m double, c double",
          [(i, _num(r["Numerator"]), _num(r["Denominator"]), float(r["multiplier"]),
            CONFIDENCE[r["confidence"]]) for i, r in enumerate(rows)])
    expected = [(i, *(_num(r[k]) for k in ("value", "lowercl", "uppercl")))
                for i, r in enumerate(rows)]
    assert len(rows) == 11
    _assert_rows(run("prop_g"), expected, "testdata_Prop_g")


# --------------------------------------------------------------------------------------------
# single Byar's and Wilson vectors


def test_byars_and_wilson_vectors(con, run) -> None:
    rows = _read("testdata_Byars_Wilson__testdata_B_W.csv")
    byars = [(i, r) for i, r in enumerate(rows) if r["method"] == "Byars"]
    wilson = [(i, r) for i, r in enumerate(rows) if r["method"] == "Wilson"]
    assert (len(byars), len(wilson)) == (7, 6)
    _load(con, "byars_in", "id integer, x double, c double",
          [(i, float(r["x"]), CONFIDENCE[r["confidence"]]) for i, r in byars])
    _load(con, "wilson_in", "id integer, x double, n double, c double",
          [(i, float(r["x"]), float(r["n"]), CONFIDENCE[r["confidence"]]) for i, r in wilson])
    # the row x = 1 at 99.8%: Byar's lower limit is negative, reported as missing
    assert any(r["x"] == "1" and not r["lowercl"] for _, r in byars)
    _assert_rows(run("byars"), [(i, _num(r["lowercl"]), _num(r["uppercl"])) for i, r in byars],
                 "testdata_B_W Byar's")
    _assert_rows(run("wilson"), [(i, _num(r["lowercl"]), _num(r["uppercl"])) for i, r in wilson],
                 "testdata_B_W Wilson")


# --------------------------------------------------------------------------------------------
# directly standardised rates (Dobson)

DSR_RESULTS = _read("testdata_DSR_ISR__testresults_DSR.csv")
DSR_SKIPPED = {
    "testdata_1976": "uses the 1976 European Standard Population, which the project does not ship",
    "nonind": "Dobson adjusted for non-independent events needs per-person event frequencies "
              "that are not in the vector files",
}


@pytest.fixture(scope="module")
def dsr_results(con, run) -> dict[tuple[str, int], tuple]:
    rows = _read("testdata_DSR_ISR__testdata_multiarea.csv")
    loaded = []
    for area in dict.fromkeys(r["area"] for r in rows):
        bands = [r for r in rows if r["area"] == area]
        # the bands are in ESP order; the file labels 55-59 as '55-69'
        assert len(bands) == len(ESP2013), area
        loaded += [(area, i, _num(r["count"]), float(r["pop"]), float(w))
                   for i, (r, w) in enumerate(zip(bands, ESP2013, strict=True))]
    _load(con, "dsr_in", "area varchar, band integer, cnt double, pop double, w double", loaded)
    return {(area, m): rest for area, m, *rest in run("dsr")}


@pytest.mark.parametrize("row", DSR_RESULTS, ids=lambda r: f"{r['area']}-{r['statistic']}")
def test_dsr_vectors(row: dict[str, str], dsr_results: dict[tuple[str, int], tuple]) -> None:
    for key, reason in DSR_SKIPPED.items():
        if key in row["area"]:
            pytest.skip(reason)
    if " per " in row["statistic"]:  # 'dsr per 10000'
        multipliers = [int(row["statistic"].rsplit(" ", 1)[-1])]
    else:  # 'dsr NA for total count < 10': missing whatever the multiplier
        multipliers = [10000, 100000]
    expected = tuple(_num(row[k]) for k in ("value", "lower95_0cl", "upper95_0cl",
                                           "lower99_8cl", "upper99_8cl"))
    for multiplier in multipliers:
        total, *figures = dsr_results[(row["area"], multiplier)]
        assert total == float(row["total_count"])
        # columns: value, lower, upper at 95%, then value, lower, upper at 99.8%
        assert figures[3] == figures[0]
        got = (figures[0], figures[1], figures[2], figures[4], figures[5])
        _assert_rows([("dsr", *got)], [("dsr", *expected)],
                     f"testresults_DSR {row['area']} per {multiplier}")


def test_dsr_vectors_cover_every_area_we_compute(dsr_results) -> None:
    checked = {r["area"] for r in DSR_RESULTS
               if not any(k in r["area"] for k in DSR_SKIPPED)}
    assert checked == {a for a, _ in dsr_results} == {"testdata_big", "testdata_small",
                                                      "testdata_tiny"}


# --------------------------------------------------------------------------------------------
# quantiles


@pytest.fixture(scope="module")
def quantile_rows(con) -> list[dict[str, str]]:
    rows = _read("testdata_Quantiles__testdata_Quantiles.csv")
    _load(con, "quantile_in",
          "id integer, test varchar, group_set varchar, indicator_id varchar, sex varchar, "
          "parent_code varchar, val double, polarity varchar, nq integer",
          [(i, r["Test"], r["GroupSet"], r["IndicatorID"], r["Sex"], r["ParentCode"],
            _num(r["Value"]), POLARITY[r["Polarity"]], QUANTILES[r["QuantileNm"]])
           for i, r in enumerate(rows)])
    return rows


def _expected_quantiles(rows, group_set: str, tests: set[str]) -> list[tuple]:
    return [(i, None if not r["QuantileInGrp"] else int(r["QuantileInGrp"]))
            for i, r in enumerate(rows) if r["GroupSet"] == group_set and r["Test"] in tests]


def test_quantile_vectors_by_indicator_sex_and_region(quantile_rows, run) -> None:
    expected = _expected_quantiles(quantile_rows, "IndSexReg", {"Gooddata", "GooddataDups"})
    # 22 missing: 4 missing values, and two East Midlands groups of 9 areas (< 10 deciles)
    assert len(expected) == 339 and sum(q is None for _, q in expected) == 22
    assert run("quantile_indsexreg") == expected


def test_quantile_vectors_by_indicator_and_sex(quantile_rows, run) -> None:
    expected = _expected_quantiles(quantile_rows, "IndSex", {"Gooddata"})
    got = [row for row in run("quantile_indsex") if quantile_rows[row[0]]["Test"] == "Gooddata"]
    assert len(expected) == 152 and got == expected


def test_quantile_vectors_whole_table(quantile_rows, run) -> None:
    """GroupSet 'None': every row one group (indicators and polarities mixed), ranked as the
    package was asked to, inverted throughout: the macro gets the constant 'low is good'."""
    expected = _expected_quantiles(quantile_rows, "None", {"Gooddata", "GooddataDups"})
    assert len(expected) == 491 and sum(q is None for _, q in expected) == 6
    assert run("quantile_none") == expected


def test_quantile_bad_polarity_group_is_null(quantile_rows, run) -> None:
    """BadPolarity: one indicator x sex group whose rows disagree on polarity (PHEindicatormethods
    refuses it). Defined behaviour here: every row of such a group gets NULL. Given one
    polarity for the group, the macro reproduces the file's figures."""
    bad = [(i, r) for i, r in enumerate(quantile_rows) if r["Test"] == "BadPolarity"]
    assert len(bad) == 35 and len({r["Polarity"] for _, r in bad}) == 2
    got = dict(run("quantile_indsex"))
    assert all(got[i] is None for i, _ in bad)
    assert run("quantile_badpolarity_constant") == [(i, int(r["QuantileInGrp"])) for i, r in bad]


def test_quantile_needs_at_least_q_values(con, run) -> None:
    _load(con, "quantile_small_in", "g varchar, v double, p varchar",
          [("a", 1.0, "high is good"), ("a", 2.0, "high is good"), ("a", 3.0, "high is good"),
           ("a", 4.0, "high is good"), ("a", None, "high is good"),
           ("b", 1.0, "low is good"), ("b", 2.0, "low is good"), ("b", 3.0, "low is good"),
           ("b", 4.0, "low is good"), ("b", 5.0, "low is good")])
    assert run("quantile_small") == [
        # 4 non-NULL values < 5 quintiles: all NULL
        ("a", 1.0, None), ("a", 2.0, None), ("a", 3.0, None), ("a", 4.0, None),
        ("a", None, None),
        # low is good: the lowest value is best and gets quintile 5
        ("b", 1.0, 5), ("b", 2.0, 4), ("b", 3.0, 3), ("b", 4.0, 2), ("b", 5.0, 1),
    ]


# --------------------------------------------------------------------------------------------
# comparison with a benchmark

# area 95% interval [10, 20], 99.8% interval [8, 24]; the benchmark's point value moves
COMPARE_CASES = [
    # (benchmark, l95, u95, l998, u998, polarity, expected)
    (15, 10, 20, 8, 24, "high is good", "similar"),
    (15, 10, 20, 8, 24, "low is good", "similar"),
    (15, 10, 20, 8, 24, "no judgement", "similar"),
    (10, 10, 20, 8, 24, "high is good", "similar"),  # on the limit counts as inside
    (20, 10, 20, 8, 24, "low is good", "similar"),
    (9, 10, 20, 8, 24, "high is good", "better"),  # benchmark below: the area is higher
    (9, 10, 20, 8, 24, "low is good", "worse"),
    (9, 10, 20, 8, 24, "no judgement", "higher"),
    (5, 10, 20, 8, 24, "high is good", "much better"),
    (5, 10, 20, 8, 24, "low is good", "much worse"),
    (5, 10, 20, 8, 24, "no judgement", "much higher"),
    (22, 10, 20, 8, 24, "high is good", "worse"),  # benchmark above: the area is lower
    (22, 10, 20, 8, 24, "low is good", "better"),
    (22, 10, 20, 8, 24, "no judgement", "lower"),
    (30, 10, 20, 8, 24, "high is good", "much worse"),
    (30, 10, 20, 8, 24, "low is good", "much better"),
    (30, 10, 20, 8, 24, "no judgement", "much lower"),
    (30, 10, 20, 8, 24, "High Is Good", "much worse"),  # polarity is case-insensitive
    # one level when the 99.8% limits are missing
    (5, 10, 20, None, None, "high is good", "better"),
    (30, 10, 20, None, None, "low is good", "better"),
    (30, 10, 20, None, None, "no judgement", "lower"),
    (15, 10, 20, None, None, "no judgement", "similar"),
    # a missing 99.8% limit on one side only: that side cannot be 'much ...'
    (5, 10, 20, None, 24, "high is good", "better"),
    (30, 10, 20, None, 24, "high is good", "much worse"),
    # not compared
    (None, 10, 20, 8, 24, "high is good", "not compared"),
    (15, None, 20, 8, 24, "high is good", "not compared"),
    (15, 10, None, 8, 24, "high is good", "not compared"),
    (15, 10, 20, 8, 24, None, "not compared"),
    (15, 10, 20, 8, 24, "sideways", "not compared"),
]


def test_compare_labels(con, run) -> None:
    rows = [(i, 15.0, b, l95, u95, l998, u998, p) for i, (b, l95, u95, l998, u998, p, _)
            in enumerate(COMPARE_CASES)]
    rows.append((len(rows), None, 15, 10, 20, 8, 24, "high is good"))  # no value
    _load(con, "compare_in", "id integer, v double, b double, l95 double, u95 double, "
          "l998 double, u998 double, p varchar", rows)
    expected = [(i, case[-1]) for i, case in enumerate(COMPARE_CASES)]
    expected.append((len(expected), "not compared"))
    assert run("compare") == expected
    labels = {label for *_, label in COMPARE_CASES}
    assert labels == {"similar", "better", "worse", "much better", "much worse", "higher",
                      "lower", "much higher", "much lower", "not compared"}


# --------------------------------------------------------------------------------------------
# SPC control limits


def _spc(n: float, p0: float, m: float, k: float, sign: int) -> float:
    e = n * p0
    return (2 * e + k**2 + sign * k * math.sqrt(k**2 + 4 * e * (1 - e / n))) / (2 * (n + k**2)) * m


def test_spc_limits_hand_worked(con, run) -> None:
    cases = [  # id, n, p0, m, c
        (0, 1000.0, 0.2, 100.0, 0.95), (1, 1000.0, 0.2, 100.0, 0.998), (2, 37.0, 0.55, 1.0, 0.95),
        (3, 500.0, 0.0, 100.0, 0.95), (4, 500.0, 1.0, 100.0, 0.998),
        (5, 0.0, 0.2, 100.0, 0.95), (6, 100.0, 1.5, 100.0, 0.95), (7, 100.0, -0.1, 100.0, 0.95),
        (8, None, 0.2, 100.0, 0.95), (9, 100.0, None, 100.0, 0.95), (10, 100.0, 0.2, None, 0.95),
        (11, 100.0, 0.2, 100.0, 0.9),
    ]
    _load(con, "spc_in", "id integer, n double, p0 double, m double, c double", cases)
    k = {0.95: Z95, 0.998: Z998}
    expected = [(i, _spc(n, p0, m, k[c], -1), _spc(n, p0, m, k[c], +1))
                for i, n, p0, m, c in cases[:5]]
    expected += [(i, None, None) for i, *_ in cases[5:]]
    _assert_rows(run("spc"), expected, "SPC")
    # by hand: n = 1000, p0 = 0.2, 95%: E = 200, k^2 = 3.8415, sqrt(3.8415 + 4 x 200 x 0.8)
    # = 25.374; (400 + 3.8415 -/+ 1.96 x 25.374) / (2 x 1003.8415) = 17.64% and 22.59%
    got = run("spc")[0]
    assert round(got[1], 2) == 17.64 and round(got[2], 2) == 22.59


# --------------------------------------------------------------------------------------------
# conventions: the switch at 10 and NULL instead of errors


def test_exact_below_ten_byars_from_ten(run) -> None:
    lookup = {(x, c): (lo, up) for x, c, lo, up in poisson_exact_limits.rows()}
    for x, ex_lo, ex_up, po_lo, po_up, by_lo, by_up in run("switch"):
        if x < 10:
            assert (ex_lo, ex_up) == lookup[(x, 0.95)] and (po_lo, po_up) == (ex_lo, ex_up)
        else:
            assert ex_lo is None and ex_up is None and (po_lo, po_up) == (by_lo, by_up)
        if x == 0:
            assert ex_lo == 0.0 and by_lo is None  # Byar's lower is undefined at 0
        else:
            assert by_lo == pytest.approx(x * (1 - 1 / (9 * x) - Z95 / (3 * math.sqrt(x))) ** 3,
                                          rel=REL_TOL)
        assert by_up == pytest.approx(
            (x + 1) * (1 - 1 / (9 * (x + 1)) + Z95 / (3 * math.sqrt(x + 1))) ** 3, rel=REL_TOL)


def test_bad_inputs_give_null_not_errors(con, run) -> None:
    cases = [  # id, x, n, m, c
        (0, 5.0, 0.0, 100.0, 0.95),  # n = 0
        (1, 5.0, -10.0, 100.0, 0.95),  # n < 0
        (2, -1.0, 100.0, 100.0, 0.95),  # x < 0
        (3, None, 100.0, 100.0, 0.95),
        (4, 5.0, None, 100.0, 0.95),
        (5, 5.0, 100.0, None, 0.95),
        (6, 5.0, 100.0, 100.0, None),
        (7, 5.0, 100.0, 100.0, 0.9),  # unsupported confidence level
        (8, 150.0, 100.0, 100.0, 0.95),  # x > n: a rate, not a proportion
        (9, 2.5, 100.0, 100.0, 0.95),  # fractional count below 10: no exact limit
    ]
    _load(con, "bad_in", "id integer, x double, n double, m double, c double", cases)
    got = {row[0]: row[1:] for row in run("bad_inputs")}
    names = ("rate_value", "rate_lower", "rate_upper", "prop_value", "wilson_lower",
             "wilson_upper", "exact_lower", "exact_upper", "byars_lower", "byars_upper",
             "dsr_value", "dsr_lower", "dsr_upper")
    non_null = {  # everything not listed must be NULL
        6: {"rate_value", "prop_value"},
        7: {"rate_value", "prop_value"},
        8: {"rate_value", "rate_lower", "rate_upper", "byars_lower", "byars_upper",
            "dsr_value", "dsr_lower", "dsr_upper"},
        9: {"rate_value", "prop_value", "wilson_lower", "wilson_upper", "byars_lower",
            "byars_upper"},
        2: set(), 3: set(),
        0: {"exact_lower", "exact_upper", "byars_lower", "byars_upper"},
        1: {"exact_lower", "exact_upper", "byars_lower", "byars_upper"},
        4: {"exact_lower", "exact_upper", "byars_lower", "byars_upper"},
        5: {"exact_lower", "exact_upper", "byars_lower", "byars_upper"},
    }
    for i, row in got.items():
        present = {name for name, v in zip(names, row, strict=True) if v is not None}
        assert present == non_null[i], (cases[i], present)
    # a DSR needs at least 10 events
    assert got[8][names.index("dsr_value")] == pytest.approx(150.0 / 100.0 * 100.0)


# --------------------------------------------------------------------------------------------
# against phstatsmethods (the Python port of PHEindicatormethods) on random inputs


@pytest.fixture(scope="module")
def random_inputs() -> dict[str, list[tuple]]:
    rng = np.random.default_rng(20240611)
    half = RANDOM_PAIRS // 2
    # rates: counts >= 1 (phstatsmethods raises on 0), half of them small; some x > n
    x = np.concatenate([rng.integers(1, 30, half), rng.integers(1, 20000, RANDOM_PAIRS - half)])
    n = rng.integers(1, 200000, RANDOM_PAIRS)
    n[:20] = rng.integers(1, 40, 20)
    rates = [(i, float(a), float(b)) for i, (a, b) in enumerate(zip(x, n, strict=True))]
    # proportions: 0 <= x <= n, including both ends
    n = rng.integers(1, 100000, RANDOM_PAIRS)
    x = np.floor(rng.random(RANDOM_PAIRS) * (n + 1)).astype(int)
    x[:10], x[10:20] = 0, n[10:20]
    props = [(i, float(a), float(b)) for i, (a, b) in enumerate(zip(x, n, strict=True))]
    byars = [(i, float(a)) for i, a in enumerate(rng.integers(10, 500000, RANDOM_PAIRS))]
    return {"rates": rates, "props": props, "byars": byars}


def test_rates_match_phstatsmethods(con, run, random_inputs) -> None:
    import pandas as pd
    from PHStatsMethods import ph_rate

    rows = random_inputs["rates"]
    assert any(x > n for _, x, n in rows) and any(x < 10 for _, x, _ in rows)
    _load(con, "random_rates_in", "i integer, x double, n double", rows)
    frame = pd.DataFrame([(x, n) for _, x, n in rows], columns=["x", "n"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ph_rate(frame, "x", "n", confidence=[0.95, 0.998], multiplier=100000)
    # phstatsmethods keeps the rows in order but drops other columns: key by position
    expected = [(i, *figures) for (i, _, _), figures in zip(rows, ref[
        ["Value", "lower_95_ci", "upper_95_ci", "lower_99_8_ci", "upper_99_8_ci"]
    ].itertuples(index=False, name=None), strict=True)]
    _assert_rows(run("random_rates"), expected, "rates vs phstatsmethods")


def test_wilson_matches_phstatsmethods(con, run, random_inputs) -> None:
    import pandas as pd
    from PHStatsMethods import ph_proportion

    rows = random_inputs["props"]
    _load(con, "random_props_in", "i integer, x double, n double", rows)
    frame = pd.DataFrame([(x, n) for _, x, n in rows], columns=["x", "n"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ph_proportion(frame, "x", "n", confidence=[0.95, 0.998], multiplier=100)
    # phstatsmethods keeps the rows in order but drops other columns: key by position
    expected = [(i, *figures) for (i, _, _), figures in zip(rows, ref[
        ["Value", "lower_95_ci", "upper_95_ci", "lower_99_8_ci", "upper_99_8_ci"]
    ].itertuples(index=False, name=None), strict=True)]
    _assert_rows(run("random_props"), expected, "Wilson vs phstatsmethods")


def test_byars_matches_phstatsmethods(con, run, random_inputs) -> None:
    from PHStatsMethods import byars_lower, byars_upper

    rows = random_inputs["byars"]
    _load(con, "random_byars_in", "i integer, x double", rows)
    expected = [(i, byars_lower(x, 0.95), byars_upper(x, 0.95),
                 byars_lower(x, 0.998), byars_upper(x, 0.998)) for i, x in rows]
    _assert_rows(run("random_byars"), expected, "Byar's vs phstatsmethods")
