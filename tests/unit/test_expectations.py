"""The GX data-quality gate: real Great Expectations runs against small DuckDB files."""

from __future__ import annotations

import ast
import csv
import json
import math
import re
from pathlib import Path

import duckdb
import pytest

from expectations import runner
from expectations.runner import ExpectationFailure, SuiteResult, validate_all, validate_table

SUITE = "indicator_values"
TABLE = "analytics.indicator_values"
CATALOGUE = Path(__file__).resolve().parents[2] / "seeds" / "reference" / "indicator_catalogue.csv"

# The published interface, in order, with the DuckDB types dbt's contract enforces.
COLUMNS = (
    "indicator_id VARCHAR, indicator_name VARCHAR, area_code VARCHAR, area_name VARCHAR, "
    "area_type VARCHAR, period_type VARCHAR, period_label VARCHAR, period_start DATE, "
    "period_end DATE, numerator BIGINT, denominator DOUBLE, multiplier INTEGER, value DOUBLE, "
    "lower_95 DOUBLE, upper_95 DOUBLE, lower_998 DOUBLE, upper_998 DOUBLE, method VARCHAR, "
    "polarity VARCHAR, england_value DOUBLE, compared_to_england VARCHAR, msg_value DOUBLE, "
    "compared_to_msg VARCHAR, msg_rank BIGINT, msg_size BIGINT, quintile BIGINT, "
    "trend VARCHAR, suppressed BOOLEAN, areas_pooled BIGINT"
)
NAMES = [c.split()[0] for c in COLUMNS.split(", ")]

Z95, Z998 = 1.959963984540054, 3.090232306167813

# code: (name, area_type, partnerships pooled)
AREAS = {
    "E22000001": ("Northtown CSP", "partnership", 1),
    "E22000002": ("Southvale CSP", "partnership", 1),
    "E22000003": ("Eastmoor CSP", "partnership", 1),
    "MSG-E22000001": ("Northtown CSP most similar group", "msg", 16),
    "E12000002": ("North West", "region", 38),
    "E92000001": ("England", "england", 296),
}
PERIODS = {
    "2022/23": ("financial_year", "2022-04-01", "2023-03-31"),
    "2023/24": ("financial_year", "2023-04-01", "2024-03-31"),
}


def _catalogue() -> dict[str, dict[str, str]]:
    with CATALOGUE.open(newline="", encoding="utf-8") as f:
        return {row["indicator_id"]: row for row in csv.DictReader(f)}


# --------------------------------------------------------------------------------------------
# Plausible values and limits (the Fingertips methods the dbt macros implement)
# --------------------------------------------------------------------------------------------


def _byar(x: int, z: float) -> tuple[float, float]:
    lower = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return lower, upper


def _wilson(x: int, n: float, z: float) -> tuple[float, float]:
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / 2 / (n + z * z), (2 * x + z * z + root) / 2 / (n + z * z)


def _set_counts(row: dict, numerator: int | None, denominator: float | None) -> dict:
    """Fill numerator, denominator, value and limits the way the row's method computes them."""
    m = row["multiplier"]
    row.update(numerator=numerator, denominator=denominator, value=None)
    row.update(lower_95=None, upper_95=None, lower_998=None, upper_998=None)
    if numerator is None:
        pass  # withheld: nothing to show
    elif row["method"] == "count":
        row["value"] = float(numerator)  # a count is shown as it is: no limits
    elif row["method"] == "dsr" and numerator < 10:
        pass  # a directly standardised rate is not computed below 10 events
    elif row["method"] == "proportion":
        row["value"] = numerator / denominator * m
        (l95, u95), (l998, u998) = (
            _wilson(numerator, denominator, Z95),
            _wilson(numerator, denominator, Z998),
        )
        row.update(lower_95=l95 * m, upper_95=u95 * m, lower_998=l998 * m, upper_998=u998 * m)
    else:  # rate, and a stand-in for a dsr's Dobson limits: Byar's on the crude rate
        row["value"] = numerator / denominator * m
        (l95, u95), (l998, u998) = _byar(numerator, Z95), _byar(numerator, Z998)
        scale = m / denominator
        row.update(
            lower_95=l95 * scale,
            upper_95=u95 * scale,
            lower_998=l998 * scale,
            upper_998=u998 * scale,
        )
    return row


def _compare(row: dict, benchmark: float | None) -> str:
    """The benchmark's point value against the row's intervals (macro stats_compare)."""
    if row["value"] is None or benchmark is None or row["lower_95"] is None:
        return "not compared"
    if benchmark < row["lower_95"]:
        level, side = ("much " if benchmark < row["lower_998"] else ""), "higher"
    elif benchmark > row["upper_95"]:
        level, side = ("much " if benchmark > row["upper_998"] else ""), "lower"
    else:
        return "similar"
    if row["polarity"] != "no judgement":
        good = "higher" if row["polarity"] == "high is good" else "lower"
        side = "better" if side == good else "worse"
    return level + side


# indicator, area, period, numerator, denominator, partnership-only extras
SPECS = [
    # a rate per 1,000: two partnerships (one with last year too), a group, a region, England
    ("vap_per_1000", "E22000001", "2022/23", 5080, 150000, {}),
    ("vap_per_1000", "E22000001", "2023/24", 5350, 151000, dict(msg_rank=9, quintile=2)),
    ("vap_per_1000", "E22000002", "2023/24", 2702, 98500, dict(msg_rank=3, quintile=4)),
    ("vap_per_1000", "MSG-E22000001", "2023/24", 79850, 2410000, {}),
    ("vap_per_1000", "E12000002", "2023/24", 280400, 7341000, {}),
    ("vap_per_1000", "E92000001", "2023/24", 1981000, 56550000, {}),
    # a person-identifying proportion (%), with one partnership suppressed (5 of 21)
    ("marac_repeat_pct", "E22000001", "2023/24", 58, 190, dict(msg_rank=7, quintile=3)),
    ("marac_repeat_pct", "E22000003", "2023/24", 5, 21, dict(suppressed=True)),
    ("marac_repeat_pct", "MSG-E22000001", "2023/24", 890, 2950, {}),
    ("marac_repeat_pct", "E12000002", "2023/24", 3100, 10400, {}),
    ("marac_repeat_pct", "E92000001", "2023/24", 33040, 112000, {}),
    # a count: no denominator, no limits, never compared; 3 is fine (not person-identifying)
    ("homicide_count", "E22000001", "2023/24", 3, None, {}),
    ("homicide_count", "E12000002", "2023/24", 71, None, {}),
    ("homicide_count", "E92000001", "2023/24", 590, None, {}),
    # a directly standardised rate below 10 events: unsuppressed (8 > 7) but left empty
    ("hospital_admissions_violence_dsr", "E22000002", "2023/24", 8, 98500, {}),
    ("hospital_admissions_violence_dsr", "E92000001", "2023/24", 26100, 56550000, {}),
]

TRENDS = {("vap_per_1000", "E22000001", "2023/24"): "increasing"}


def _rows() -> list[dict]:
    catalogue = _catalogue()
    rows = []
    for indicator_id, area_code, label, numerator, denominator, extras in SPECS:
        indicator = catalogue[indicator_id]
        area_name, area_type, pooled = AREAS[area_code]
        period_type, start, end = PERIODS[label]
        row = dict.fromkeys(NAMES)
        row.update(
            indicator_id=indicator_id,
            indicator_name=indicator["indicator_name"],
            area_code=area_code,
            area_name=area_name,
            area_type=area_type,
            period_type=period_type,
            period_label=label,
            period_start=start,
            period_end=end,
            multiplier=int(indicator["multiplier"]),
            method=indicator["method"],
            polarity=indicator["polarity"],
            trend=TRENDS.get((indicator_id, area_code, label), "cannot be calculated"),
            suppressed=False,
            areas_pooled=pooled,
        )
        rows.append(_set_counts(row, numerator, denominator))
        if extras.get("suppressed"):
            # disclosure control: the count, value and limits are withheld, not compared
            _set_counts(row, None, denominator)
            row.update(suppressed=True)
        elif "msg_rank" in extras:
            row.update(extras, msg_size=16)

    def benchmark(row: dict, area_type: str, area_code: str | None = None) -> float | None:
        for other in rows:
            if (
                other["area_type"] == area_type
                and area_code in (None, other["area_code"])
                and other["indicator_id"] == row["indicator_id"]
                and other["period_start"] == row["period_start"]
            ):
                return other["value"]
        return None

    for row in rows:
        row["england_value"] = benchmark(row, "england")
        if row["area_type"] == "partnership":
            row["msg_value"] = benchmark(row, "msg", f"MSG-{row['area_code']}")
        comparable = not row["suppressed"] and row["method"] != "count"
        row["compared_to_england"] = (
            _compare(row, row["england_value"])
            if comparable and row["area_type"] != "england"
            else "not compared"
        )
        row["compared_to_msg"] = (
            _compare(row, row["msg_value"])
            if comparable and row["area_type"] == "partnership"
            else "not compared"
        )
    return rows


def _find(rows: list[dict], indicator_id: str, area_code: str, label: str = "2023/24") -> dict:
    key = (indicator_id, area_code, label)
    (row,) = [r for r in rows if (r["indicator_id"], r["area_code"], r["period_label"]) == key]
    return row


def _make_db(path: Path, rows: list[dict] | None) -> Path:
    """A DuckDB file with analytics.indicator_values holding ``rows`` (None: no table)."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema analytics")
        if rows is not None:
            con.execute(f"create table {TABLE} ({COLUMNS})")
            con.executemany(
                f"insert into {TABLE} values ({', '.join('?' for _ in NAMES)})",
                [[row[n] for n in NAMES] for row in rows],
            )
    finally:
        con.close()
    return path


def _suite() -> dict:
    return json.loads(runner.suite_path(SUITE).read_text())


def _suite_size() -> int:
    return len(_suite()["expectations"])


@pytest.fixture(scope="module")
def good_result(tmp_path_factory) -> SuiteResult:
    # The first run pays the one-off GX import; every other test reuses the loaded module.
    db = _make_db(tmp_path_factory.mktemp("good") / "good.duckdb", _rows())
    return validate_table(db, TABLE, SUITE)


def test_good_rows_are_consistent() -> None:
    """The fixture itself: limits nest around the value and the mix covers every case."""
    rows = _rows()
    for row in rows:
        chain = [row[c] for c in ("lower_998", "lower_95", "value", "upper_95", "upper_998")]
        if row["lower_95"] is not None:
            assert chain == sorted(chain), row
    assert {r["area_type"] for r in rows} == {"partnership", "msg", "region", "england"}
    assert {r["method"] for r in rows} == {"rate", "proportion", "count", "dsr"}
    assert sum(r["suppressed"] for r in rows) == 1
    assert _find(rows, "vap_per_1000", "E22000001")["compared_to_england"] == "similar"
    assert _find(rows, "vap_per_1000", "E22000002")["compared_to_england"] == "much better"
    assert _find(rows, "hospital_admissions_violence_dsr", "E22000002")["value"] is None


def test_good_table_passes(good_result: SuiteResult) -> None:
    assert good_result.failures == ()
    assert good_result.success is True
    assert good_result.suite == SUITE
    assert good_result.table == TABLE
    assert good_result.evaluated == _suite_size()


# --------------------------------------------------------------------------------------------
# Defects: each breaks exactly one expectation
# --------------------------------------------------------------------------------------------


def _scale(row: dict, factor: float) -> None:
    for c in ("value", "lower_95", "upper_95", "lower_998", "upper_998"):
        row[c] *= factor


def _negative_numerator(rows: list[dict]) -> None:
    _find(rows, "vap_per_1000", "E22000002")["numerator"] = -1


def _zero_denominator(rows: list[dict]) -> None:
    _find(rows, "vap_per_1000", "E22000002")["denominator"] = 0


def _duplicate_key(rows: list[dict]) -> None:
    rows.append(dict(_find(rows, "vap_per_1000", "E22000001"), area_name="Northtown"))


def _bad_area_code(rows: list[dict]) -> None:
    _find(rows, "vap_per_1000", "E22000002")["area_code"] = "E06000001"  # a unitary authority


def _unknown_indicator(rows: list[dict]) -> None:
    _find(rows, "vap_per_1000", "E12000002")["indicator_id"] = "vap_per_1000_v2"


def _unknown_comparison(rows: list[dict]) -> None:
    _find(rows, "vap_per_1000", "E12000002")["compared_to_england"] = "significantly worse"


def _unknown_trend(rows: list[dict]) -> None:
    _find(rows, "vap_per_1000", "E22000001")["trend"] = "rising"


def _percentage_above_100(rows: list[dict]) -> None:
    _scale(_find(rows, "marac_repeat_pct", "E22000001"), 100)  # multiplied twice


def _rate_above_1000_per_1000(rows: list[dict]) -> None:
    _scale(_find(rows, "vap_per_1000", "E22000002"), 1000)  # per million, labelled per 1,000


def _upper_95_below_value(rows: list[dict]) -> None:
    row = _find(rows, "vap_per_1000", "E22000001")
    row["upper_95"] = row["value"] - 0.1


def _proportion_numerator_above_denominator(rows: list[dict]) -> None:
    _find(rows, "marac_repeat_pct", "E22000001").update(numerator=190, denominator=58)  # swapped


def _unsuppressed_small_count(rows: list[dict]) -> None:
    _set_counts(_find(rows, "marac_repeat_pct", "E22000001"), 3, 190)


def _suppressed_value_shown(rows: list[dict]) -> None:
    _find(rows, "marac_repeat_pct", "E22000003")["value"] = 5 / 21 * 100


def _null_rate_value(rows: list[dict]) -> None:
    _find(rows, "vap_per_1000", "E22000002")["value"] = None


def _period_end_before_start(rows: list[dict]) -> None:
    _find(rows, "vap_per_1000", "E22000001")["period_end"] = "2023-03-31"


def _rows_where(condition) -> int:
    return sum(1 for r in _rows() if condition(r))


ALL_ROWS = len(SPECS)
PCT_ROWS = _rows_where(lambda r: r["multiplier"] == 100)
PER_1000_ROWS = _rows_where(lambda r: r["multiplier"] == 1000)
PROPORTION_ROWS = _rows_where(lambda r: r["method"] == "proportion")
SUPPRESSED_ROWS = _rows_where(lambda r: r["suppressed"])
UNSUPPRESSED_VALUE_ROWS = _rows_where(
    lambda r: not r["suppressed"]
    and (
        r["method"] in ("rate", "proportion", "count")
        or (r["method"] == "dsr" and (r["numerator"] or 0) >= 10)
    )
)
DISCLOSURE_ROWS = _rows_where(
    lambda r: (
        r["area_type"] == "partnership"
        and _catalogue()[r["indicator_id"]]["disclosure_control"] == "true"
    )
)

# defect, expectation, column, bad rows, rows checked (the row_condition's rows), phrase
DEFECTS = [
    (
        _negative_numerator,
        "expect_column_values_to_be_between",
        "numerator",
        1,
        ALL_ROWS,
        "below 0 (e.g. -1)",
    ),
    (
        _zero_denominator,
        "expect_column_values_to_be_between",
        "denominator",
        1,
        ALL_ROWS,
        "at or below 0 (e.g. 0.0)",
    ),
    (
        _duplicate_key,
        "expect_compound_columns_to_be_unique",
        "indicator_id, area_code, area_type, period_type, period_start",
        2,  # GX counts every row that shares the key, the original too
        ALL_ROWS + 1,
        "share a duplicated key (e.g. indicator_id='vap_per_1000', area_code='E22000001'",
    ),
    (
        _bad_area_code,
        "expect_column_values_to_match_regex",
        "area_code",
        1,
        ALL_ROWS,
        "(e.g. 'E06000001')",
    ),
    (
        _unknown_indicator,
        "expect_column_values_to_be_in_set",
        "indicator_id",
        1,
        ALL_ROWS,
        "(e.g. 'vap_per_1000_v2')",
    ),
    (
        _unknown_comparison,
        "expect_column_values_to_be_in_set",
        "compared_to_england",
        1,
        ALL_ROWS,
        "not in ('similar', 'better', 'worse', 'much better', 'much worse', 'higher', 'lower', "
        "'much higher', 'much lower', 'not compared') (e.g. 'significantly worse')",
    ),
    (
        _unknown_trend,
        "expect_column_values_to_be_in_set",
        "trend",
        1,
        ALL_ROWS,
        "(e.g. 'rising')",
    ),
    (
        _percentage_above_100,
        "expect_column_values_to_be_between",
        "value",
        1,
        PCT_ROWS,
        "above 100 (e.g. 3052.6",
    ),
    (
        _rate_above_1000_per_1000,
        "expect_column_values_to_be_between",
        "value",
        1,
        PER_1000_ROWS,
        "above 1000 (e.g. 27431.4",
    ),
    (
        _upper_95_below_value,
        "expect_column_pair_values_a_to_be_greater_than_b",
        "upper_95, value",
        1,
        ALL_ROWS,
        "with upper_95 < value (e.g. 35.33",
    ),
    (
        _proportion_numerator_above_denominator,
        "expect_column_pair_values_a_to_be_greater_than_b",
        "denominator, numerator",
        1,
        PROPORTION_ROWS,
        "with denominator < numerator (e.g. 58.0 < 190)",
    ),
    (
        _unsuppressed_small_count,
        "expect_column_values_to_not_be_in_set",
        "numerator",
        1,
        DISCLOSURE_ROWS,
        "(e.g. 3",
    ),
    (
        _suppressed_value_shown,
        "expect_column_values_to_be_null",
        "value",
        1,
        SUPPRESSED_ROWS,
        "(e.g. 23.8",
    ),
    (
        _null_rate_value,
        "expect_column_values_to_not_be_null",
        "value",
        1,
        UNSUPPRESSED_VALUE_ROWS,
        "are null",
    ),
    (
        _period_end_before_start,
        "expect_column_pair_values_a_to_be_greater_than_b",
        "period_end, period_start",
        1,
        ALL_ROWS,
        "with period_end <= period_start (e.g. 2023-03-31 <= 2023-04-01)",
    ),
]


@pytest.mark.parametrize(
    ("defect", "expectation", "column", "bad_rows", "checked_rows", "phrase"),
    DEFECTS,
    ids=[d[0].__name__.lstrip("_") for d in DEFECTS],
)
def test_defect_fails_the_expected_expectation(
    tmp_path: Path,
    good_result: SuiteResult,
    defect,
    expectation,
    column,
    bad_rows,
    checked_rows,
    phrase,
) -> None:
    rows = _rows()
    defect(rows)
    result = validate_table(_make_db(tmp_path / "bad.duckdb", rows), TABLE, SUITE)

    assert result.success is False
    assert result.evaluated == _suite_size()
    assert len(result.failures) == 1, result.failures
    (failure,) = result.failures
    assert failure.suite == SUITE
    assert failure.expectation == expectation
    assert failure.column == column
    assert "\n" not in failure.detail
    prefix = f"{column}: {bad_rows} of {checked_rows} rows"
    assert failure.detail.startswith(prefix), failure.detail
    assert phrase in failure.detail, failure.detail


def test_negative_numerator_detail_is_readable(tmp_path: Path, good_result: SuiteResult) -> None:
    rows = _rows()
    _find(rows, "vap_per_1000", "E22000001")["numerator"] = -3
    result = validate_table(_make_db(tmp_path / "bad.duckdb", rows), TABLE, SUITE)
    assert [f.detail for f in result.failures] == [
        f"numerator: 1 of {len(rows)} rows below 0 (e.g. -3)"
    ]


def test_suppressed_row_showing_its_count_breaks_both_disclosure_rules(
    tmp_path: Path, good_result: SuiteResult
) -> None:
    # A suppressed count is always 1..7, so a leaked one also breaks the 1..7 rule.
    rows = _rows()
    _find(rows, "marac_repeat_pct", "E22000003")["numerator"] = 5
    result = validate_table(_make_db(tmp_path / "bad.duckdb", rows), TABLE, SUITE)
    assert [(f.expectation, f.column) for f in result.failures] == [
        ("expect_column_values_to_be_null", "numerator"),
        ("expect_column_values_to_not_be_in_set", "numerator"),
    ]
    suppressed, disclosed = (f.detail for f in result.failures)
    assert suppressed.startswith(f"numerator: 1 of {SUPPRESSED_ROWS} rows"), suppressed
    assert disclosed.startswith(f"numerator: 1 of {DISCLOSURE_ROWS} rows"), disclosed
    assert "(e.g. 5" in suppressed and "(e.g. 5" in disclosed


def test_small_counts_outside_the_disclosure_rule_pass(
    tmp_path: Path, good_result: SuiteResult
) -> None:
    # 1..7 is only withheld for person-identifying indicators and for partnerships.
    rows = _rows()
    _set_counts(_find(rows, "vap_per_1000", "E22000002"), 4, 98500)  # police: not identifying
    _set_counts(_find(rows, "marac_repeat_pct", "E12000002"), 6, 10400)  # a pooled region
    result = validate_table(_make_db(tmp_path / "ok.duckdb", rows), TABLE, SUITE)
    assert result.failures == ()


def test_missing_column_fails_the_column_contract(tmp_path: Path, good_result: SuiteResult) -> None:
    db = _make_db(tmp_path / "bad.duckdb", _rows())
    con = duckdb.connect(str(db))
    con.execute(f"alter table {TABLE} rename column area_name to area_label")
    con.close()
    result = validate_table(db, TABLE, SUITE)
    assert [f.expectation for f in result.failures] == ["expect_table_columns_to_match_set"]
    assert "missing area_name" in result.failures[0].detail
    assert "unexpected area_label" in result.failures[0].detail


def test_missing_table_is_a_failure_not_an_exception(tmp_path: Path) -> None:
    db = _make_db(tmp_path / "empty.duckdb", None)
    result = validate_table(db, TABLE, SUITE)
    assert result.success is False
    assert result.evaluated == 0
    assert result.failures == (
        ExpectationFailure(
            suite=SUITE,
            expectation=runner.TABLE_EXISTS,
            column=None,
            detail=f"table {TABLE} not found in {db}",
        ),
    )


def test_missing_database_file_is_a_failure(tmp_path: Path) -> None:
    result = validate_table(tmp_path / "nope.duckdb", TABLE, SUITE)
    assert result.success is False
    assert "not found in" in result.failures[0].detail
    assert not (tmp_path / "nope.duckdb").exists()  # read-only: nothing was created


def test_unknown_suite_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no_such_suite"):
        validate_table(tmp_path / "x.duckdb", TABLE, "no_such_suite")


def test_validate_all_finds_the_suite_file(tmp_path: Path, good_result: SuiteResult) -> None:
    db = _make_db(tmp_path / "good.duckdb", _rows())
    results = validate_all(db)
    by_suite = {r.suite: r for r in results}
    assert SUITE in by_suite
    assert by_suite[SUITE].table == TABLE
    assert by_suite[SUITE].success is True, by_suite[SUITE].failures
    assert len(results) == len(list(runner.SUITES_DIR.glob("*.json")))


def test_suite_file_is_documented() -> None:
    suite = _suite()
    assert suite["name"] == SUITE
    assert suite["meta"]["table"] == TABLE
    for expectation in suite["expectations"]:
        assert expectation["meta"]["notes"].strip(), expectation["type"]


# --------------------------------------------------------------------------------------------
# GX gets only what the suite reads (and cheap dtypes): the same results, faster
# --------------------------------------------------------------------------------------------

UNREAD = ["indicator_name", "area_name", "england_value", "msg_value", "msg_size"]


def test_only_the_columns_the_suite_reads_reach_gx(tmp_path: Path) -> None:
    db = _make_db(tmp_path / "good.duckdb", _rows())
    header, rows = runner._read_table(db, TABLE, _suite())
    assert list(header.columns) == NAMES and len(header) == 0  # the whole table's columns
    assert list(rows.columns) == [n for n in NAMES if n not in UNREAD]
    assert len(rows) == ALL_ROWS


def test_a_column_nothing_reads_still_counts_for_the_column_contract(
    tmp_path: Path, good_result: SuiteResult
) -> None:
    db = _make_db(tmp_path / "bad.duckdb", _rows())
    con = duckdb.connect(str(db))
    con.execute(f"alter table {TABLE} add column note VARCHAR")
    con.execute(f"alter table {TABLE} drop column msg_value")
    con.close()
    result = validate_table(db, TABLE, SUITE)
    assert result.evaluated == _suite_size()
    assert [(f.expectation, f.detail) for f in result.failures] == [
        ("expect_table_columns_to_match_set", "table columns: missing msg_value; unexpected note")
    ]


def _indicators_with_defects(path: Path) -> Path:
    rows = _rows()
    for defect in (_negative_numerator, _unknown_comparison, _unknown_trend,
                   _percentage_above_100, _suppressed_value_shown, _period_end_before_start,
                   _duplicate_key):  # last: it copies a row the others look up
        defect(rows)
    _find(rows, "homicide_count", "E12000002")["area_code"] = "E06000001"
    return _make_db(path, rows)


def _partnerships_with_defects(path: Path) -> Path:
    rows = _dim_rows()
    for defect in (_null_name, _duplicate_code, _english_partnership_without_region,
                   _region_name_as_code):
        defect(rows)
    return _marts_db(path, rows)


@pytest.mark.parametrize(
    ("suite", "make_db", "label"),
    [(SUITE, _indicators_with_defects, TABLE), ("dim_partnerships", _partnerships_with_defects,
                                               "marts.dim_partnerships")],
)
def test_cutting_columns_and_categories_change_no_result(
    tmp_path: Path, monkeypatch, good_result: SuiteResult, suite: str, make_db, label: str
) -> None:
    db = make_db(tmp_path / "bad.duckdb")
    fast = validate_table(db, label, suite)
    # every column, the dtypes DuckDB's .df() gives
    monkeypatch.setattr(runner, "_suite_columns_read", lambda suite_dict, columns: None)
    monkeypatch.setattr(runner, "_as_categories", lambda df, expectations: df)
    monkeypatch.setattr(runner, "_fetch_df", lambda con, sql: con.sql(sql).df())
    plain = validate_table(db, label, suite)
    assert len(fast.failures) >= 4, fast.failures
    assert fast == plain


def test_string_columns_become_categories_only_where_no_result_can_change() -> None:
    import pandas as pd

    df = pd.DataFrame({c: pd.Series(["a", None, "b"], dtype="str") for c in "abcdefgh"})
    df["n"] = [1, 2, 3]

    def check(kind: str, **kwargs) -> dict:
        return {"type": f"expect_{kind}", "kwargs": kwargs}

    safe = 'd == "a" and e in ["a", "b"]'
    expectations = [
        check("column_values_to_be_in_set", column="a", value_set=["a", "b"]),
        check("column_values_to_be_in_set", column="b", value_set=[1, 2]),  # not strings
        check("column_value_lengths_to_be_between", column="c", min_value=1),
        check("column_values_to_not_be_null", column="n", row_condition=safe,
              condition_parser="pandas"),
        check("column_values_to_not_be_null", column="n", condition_parser="pandas",
              row_condition='f >= "a" or g.str.startswith("a")'),  # ordering, a method
    ]
    out = runner._as_categories(df, expectations)
    assert {c for c in out.columns if out[c].dtype == "category"} == {"a", "d", "e", "h"}
    assert list(out["a"].dropna()) == ["a", "b"] and out["n"].dtype == df["n"].dtype
    assert list(out.query(safe).index) == list(df.query(safe).index) == [0]
    assert runner._as_categories(df, [check("column_values_to_not_be_null", column="a",
                                            row_condition="`a` == 'x'")])["a"].dtype == "str"


def test_columns_read_is_every_column_when_it_cannot_be_told() -> None:
    columns = ["a", "b", "c"]

    def read(*expectations: dict, row_key: tuple = ()) -> list[str] | None:
        return runner._columns_read(list(expectations), list(row_key), columns)

    not_null_b = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "b"}}
    assert read(not_null_b) == ["b"]
    assert read(not_null_b, row_key=("a",)) == ["a", "b"]
    conditional = {"type": "expect_column_values_to_not_be_null",
                   "kwargs": {"column": "b", "row_condition": "c > 1"}}
    assert read(conditional) == ["b", "c"]
    row_count = {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}}
    assert read(row_count, not_null_b) == ["b"]
    assert read(row_count) is None  # no column at all: every column
    custom_table = {"type": "expect_table_rows_to_be_custom", "kwargs": {}}
    assert read(custom_table, not_null_b) is None
    condition_object = {"type": "expect_column_values_to_not_be_null",
                        "kwargs": {"column": "b", "row_condition": {"type": "pass_through"}}}
    assert read(condition_object) is None


def test_fetching_gives_the_frame_duckdb_gives() -> None:
    import pandas as pd

    con = duckdb.connect()
    con.execute(
        "create table t (s VARCHAR, s_null VARCHAR, i BIGINT, i_null BIGINT, n INTEGER, "
        "d DOUBLE, day DATE, ts TIMESTAMP, b BOOLEAN, dec DECIMAL(10, 2), l INTEGER[])"
    )
    con.execute(
        "insert into t values ('é', null, 1, null, 2, 0.5, '2024-03-01', '2024-03-01 12:00', "
        "true, 1.25, [1]), (null, null, 2, 3, null, null, null, null, null, null, null), "
        "('b', null, 3, 4, 5, 1.5, '2024-04-01', null, false, 2.5, [])"
    )
    for sql in (
        "select * exclude (dec, l) from t",  # through Arrow
        "select * from t",  # DECIMAL and a list: .df()
        "select s from t",
        "select s_null, i from t",
        "select * exclude (dec, l) from t where false",
        "select s, s as s2 from t order by i desc",
    ):
        pd.testing.assert_frame_equal(runner._fetch_df(con, sql), con.sql(sql).df(),
                                      check_exact=True)
    con.close()


# --------------------------------------------------------------------------------------------
# The suite cannot drift from the interface or the indicator catalogue
# --------------------------------------------------------------------------------------------


def _expectations(kind: str, column: str) -> list[dict]:
    return [
        e["kwargs"]
        for e in _suite()["expectations"]
        if e["type"] == kind and e["kwargs"].get("column") == column
    ]


def test_column_contract_is_the_published_interface() -> None:
    (contract,) = [
        e["kwargs"]
        for e in _suite()["expectations"]
        if e["type"] == "expect_table_columns_to_match_set"
    ]
    assert contract["column_set"] == NAMES
    assert contract["exact_match"] is True


def test_indicator_ids_match_the_catalogue() -> None:
    (in_set,) = _expectations("expect_column_values_to_be_in_set", "indicator_id")
    assert sorted(in_set["value_set"]) == sorted(_catalogue())


def test_disclosure_rule_lists_the_catalogues_person_identifying_indicators() -> None:
    (rule,) = _expectations("expect_column_values_to_not_be_in_set", "numerator")
    assert sorted(rule["value_set"]) == [1, 2, 3, 4, 5, 6, 7]
    condition = rule["row_condition"]
    assert rule["condition_parser"] == "pandas"
    assert 'area_type == "partnership"' in condition
    listed = re.search(r"indicator_id in (\[[^\]]*\])", condition)
    assert listed, condition
    identifying = [i for i, row in _catalogue().items() if row["disclosure_control"] == "true"]
    assert identifying  # the catalogue's flag is spelled 'true'
    assert sorted(ast.literal_eval(listed.group(1))) == sorted(identifying)


def test_catalogue_methods_polarities_and_multipliers_are_accepted() -> None:
    catalogue = _catalogue().values()
    (methods,) = _expectations("expect_column_values_to_be_in_set", "method")
    (polarities,) = _expectations("expect_column_values_to_be_in_set", "polarity")
    (multipliers,) = _expectations("expect_column_values_to_be_in_set", "multiplier")
    assert {row["method"] for row in catalogue} <= set(methods["value_set"])
    assert {row["polarity"] for row in catalogue} <= set(polarities["value_set"])
    assert {int(row["multiplier"]) for row in catalogue} <= set(multipliers["value_set"])
    # every basis but a plain count has a sanity ceiling equal to the multiplier
    ceilings = {
        kw["max_value"]
        for kw in _expectations("expect_column_values_to_be_between", "value")
        if kw.get("row_condition") == f"multiplier == {kw['max_value']}"
    }
    assert {int(row["multiplier"]) for row in catalogue} - {1} <= ceilings


# --------------------------------------------------------------------------------------------
# Every suite says what it reads, and is a blocking check in the pipeline
# --------------------------------------------------------------------------------------------


def _all_suites() -> dict[str, dict]:
    return {
        path.stem: json.loads(path.read_text()) for path in sorted(runner.SUITES_DIR.glob("*.json"))
    }


def test_every_suite_names_a_table_or_a_query() -> None:
    suites = _all_suites()
    assert {"indicator_values", "dim_partnerships", "marts_monthly_volumes"} <= set(suites)
    for name, suite in suites.items():
        assert suite["name"] == name
        kind, what = runner.suite_source(name, suite)  # exactly one of meta.table, meta.query
        assert ("table" in suite["meta"]) == (kind == "table"), name
        assert ("query" in suite["meta"]) == (kind == "query"), name
        assert what.strip(), name
        assert suite["notes"].strip() and suite["meta"]["description"].strip(), name
        for expectation in suite["expectations"]:
            assert expectation["meta"]["notes"].strip(), (name, expectation["type"])


@pytest.mark.parametrize("meta", [{}, {"table": "marts.x", "query": "select 1"}])
def test_a_suite_with_neither_or_both_is_refused(meta: dict) -> None:
    with pytest.raises(ValueError, match="meta.table.*meta.query"):
        runner.suite_source("broken", {"meta": meta})


def test_every_suite_is_a_blocking_check_on_its_asset() -> None:
    from orchestration.assets.quality import quality_checks

    specs = {spec.name: spec for check in quality_checks for spec in check.check_specs}
    on = {
        "indicator_values": "analytics/indicator_values",
        "dim_partnerships": "marts/dim_partnerships",
        "marts_monthly_volumes": "marts/fct_police_crimes",
    }
    assert set(on) == set(_all_suites())
    for suite, asset in on.items():
        spec = specs[f"great_expectations_{suite}"]
        assert spec.blocking is True
        assert spec.asset_key.to_user_string() == asset
    # the aggregate's other inputs are the check's dependencies
    deps = {d.asset_key.to_user_string() for d in specs[
        "great_expectations_marts_monthly_volumes"].additional_deps}
    assert {t.replace(".", "/") for t in _tables_read(MONTHLY)} == deps | {
        "marts/fct_police_crimes"}
    assert specs["volume_police_extracts"].blocking is True  # the volume checks stay


# --------------------------------------------------------------------------------------------
# The marts: marts.dim_partnerships (a table) and the monthly facts (a query's aggregate)
# --------------------------------------------------------------------------------------------

DIM, DIM_TABLE = "dim_partnerships", "marts.dim_partnerships"
MONTHLY = "marts_monthly_volumes"
DIM_COLUMNS = (
    "partnership_code VARCHAR, partnership_name VARCHAR, force_code VARCHAR, "
    "force_name VARCHAR, region_code VARCHAR, region_name VARCHAR, local_authorities BIGINT, "
    "lsoas BIGINT, population BIGINT, population_is_apportioned BOOLEAN"
)
PLACED = ("E22000150", "E22000151", "E22000152")  # the partnerships with records
MONTHS = ("2023-01-01", "2023-02-01", "2023-03-01")  # the months loaded


def _dim_rows() -> list[dict]:
    """260 partnerships: 239 English, 21 Welsh (no region), 249 of 238,000 residents and 11
    small ones of 10,000: 59.37 million in all, as England and Wales hold."""
    rows = []
    codes = [f"E22{n:06d}" for n in range(1, 240)] + [f"W14{n:06d}" for n in range(1, 22)]
    for i, code in enumerate(codes):
        english = code.startswith("E22")
        region = None if not english else f"E1200000{i % 9 + 1}"
        rows.append(dict(
            partnership_code=code, partnership_name=f"Partnership {i + 1}",
            force_code=f"E23{i % 43:06d}", force_name=f"Force {i % 43}",
            region_code=region, region_name=region and f"Region {region[-1]}",
            local_authorities=1, lsoas=100 if english else 0,
            population=10_000 if i >= 249 else 238_000, population_is_apportioned=False,
        ))
    return rows


def _marts_db(path: Path, dim_rows: list[dict] | None = None) -> Path:
    """A DuckDB file with marts.dim_partnerships, the six monthly facts (the columns the query
    reads) and ops.load_log: records for three partnerships over three months, each source
    the way it looks in the demo (a share of A&E attendances without a location, counted in
    the department's partnership; 10% of ambulance incidents not geocoded)."""
    dim_rows = _dim_rows() if dim_rows is None else dim_rows
    names = [c.split()[0] for c in DIM_COLUMNS.split(", ")]
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts; create schema ops")
        con.execute(f"create table {DIM_TABLE} ({DIM_COLUMNS})")
        con.executemany(
            f"insert into {DIM_TABLE} values ({', '.join('?' for _ in names)})",
            [[r[n] for n in names] for r in dim_rows],
        )
        # every partnership (code, and p its number) and month
        grid = (
            f"(select unnest({list(PLACED)}) as code, unnest(range(1, {len(PLACED) + 1})) as p)"
            f" as partnerships, (select unnest({list(MONTHS)})::date as month) as months"
        )
        con.execute(
            "create table marts.fct_police_crimes as select 'C/' || code || '/' || month || "
            "'/' || i as crime_reference, code as partnership_code, "
            f"month + (i % 28)::int as recorded_date, month as recorded_month from {grid}, "
            "range(30) r(i)"
        )
        con.execute(
            "create table marts.fct_policeuk_crimes as select 'U' || p || month || i "
            f"as crime_id, code as partnership_code, month from {grid}, range(25) r(i)"
        )
        con.execute(
            "create table marts.fct_ae_assault_attendances as select 'S' || p as site_code, "
            "month || '-' || i as attendance_id, case when i % 5 < 2 then null else code end "
            "as partnership_code, code as site_partnership_code, code as "
            "counted_partnership_code, i % 5 >= 2 as has_usable_location, "
            "month + to_hours(i) as arrival_at, month as arrival_month "
            f"from {grid}, range(20) r(i)"
        )
        con.execute(
            "create table marts.fct_ambulance_assaults as select month || '-' || p || '-' || i "
            "as incident_id, case when i < 2 then null else code end as partnership_code, "
            f"month + to_hours(i) as call_at, month as call_month from {grid}, range(20) r(i)"
        )
        con.execute(
            "create table marts.fct_marac_cases as select 'M' || p || month || i as case_id, "
            "code as partnership_code, month + 7 as conference_date, month as conference_month "
            f"from {grid}, range(5) r(i)"
        )
        con.execute(
            "create table marts.fct_probation_caseload as select 'P' || i as person_id, "
            f"code as partnership_code, month as snapshot_month from {grid}, range(40) r(i)"
        )
        con.execute("create table ops.load_log (file VARCHAR, source VARCHAR, status VARCHAR)")
        for source, name in [
            ("police_crimes", "E23000003_{m}.csv"),
            ("policeuk_street", "{m}-lancashire-street.csv"),
            ("ae_istv", "Z0150_{m}.csv"),
            ("ambulance", "E23000003_{m}.csv"),
            ("marac_cases", "E22000150_{m}.csv"),
            ("probation_caseload", "caseload_{m}.csv"),
        ]:
            for month in MONTHS:
                file = f"/home/landing/{source}/{name.format(m=month[:7])}"
                con.execute("insert into ops.load_log values (?, ?, 'loaded')", [file, source])
        # a later file that was rejected does not count as loaded
        con.execute(
            "insert into ops.load_log values "
            "('/home/landing/police_crimes/E23000003_2023-06.csv', 'police_crimes', 'rejected')"
        )
    finally:
        con.close()
    return path


def _monthly_query() -> str:
    return runner.suite_source(MONTHLY, runner.load_suite(MONTHLY))[1]


def _aggregate(db: Path):  # -> pandas.DataFrame: what the monthly suite validates
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(_monthly_query()).df()
    finally:
        con.close()


def _tables_read(suite: str) -> set[str]:
    return set(runner._tables_read(_monthly_query())) if suite == MONTHLY else set()


@pytest.fixture(scope="module")
def marts_results(tmp_path_factory) -> dict[str, SuiteResult]:
    db = _marts_db(tmp_path_factory.mktemp("marts") / "good.duckdb")
    return {suite: runner.validate_suite(db, suite) for suite in (DIM, MONTHLY)}


def test_good_marts_fixture_is_what_the_suites_expect(tmp_path: Path) -> None:
    dim = _dim_rows()
    assert len(dim) == 260 and sum(r["population"] for r in dim) == 59_372_000
    agg = _aggregate(_marts_db(tmp_path / "good.duckdb"))
    assert len(agg) == 57  # 6 sources x 3 partnerships x 3 months, + ambulance's unplaced
    assert set(agg.source) == {
        "police_crimes", "policeuk_street", "ae_istv", "ambulance", "marac_cases",
        "probation_caseload",
    }
    share = agg.groupby("source").source_month_placed_share.min()
    assert share["ambulance"] == pytest.approx(0.9) and share["ae_istv"] == 1.0
    assert (agg.latest_extract_month == "2023-03-01").all()  # not the rejected June file
    assert agg.records.sum() == 9 * (30 + 25 + 20 + 20 + 5 + 40)


@pytest.mark.parametrize("suite", [DIM, MONTHLY])
def test_good_marts_pass(marts_results: dict[str, SuiteResult], suite: str) -> None:
    result = marts_results[suite]
    assert result.failures == ()
    assert result.success is True
    assert result.evaluated == len(runner.load_suite(suite)["expectations"])


def test_the_monthly_suite_reads_the_facts_not_pandas(marts_results) -> None:
    result = marts_results[MONTHLY]
    assert result.table == (
        "query over marts.dim_partnerships, marts.fct_ae_assault_attendances, "
        "marts.fct_ambulance_assaults, marts.fct_marac_cases, marts.fct_police_crimes, "
        "marts.fct_policeuk_crimes, marts.fct_probation_caseload, ops.load_log"
    )
    assert marts_results[DIM].table == DIM_TABLE


# dim_partnerships: each defect breaks exactly one expectation -------------------------------


def _dim(rows: list[dict], code: str) -> dict:
    (row,) = [r for r in rows if r["partnership_code"] == code]
    return row


def _lookup_cut_short(rows: list[dict]) -> None:
    del rows[249:]  # the small partnerships: the population total barely moves


def _null_code(rows: list[dict]) -> None:
    _dim(rows, "E22000010")["partnership_code"] = None


def _duplicate_code(rows: list[dict]) -> None:
    _dim(rows, "E22000011")["partnership_code"] = "E22000012"


def _district_code(rows: list[dict]) -> None:
    _dim(rows, "E22000013")["partnership_code"] = "E07000117"


def _null_name(rows: list[dict]) -> None:
    _dim(rows, "E22000014")["partnership_name"] = None


def _duplicate_name(rows: list[dict]) -> None:
    _dim(rows, "E22000015")["partnership_name"] = "Partnership 16"


def _null_population(rows: list[dict]) -> None:
    _dim(rows, "E22000017")["population"] = None


def _zero_population(rows: list[dict]) -> None:
    _dim(rows, "E22000018")["population"] = 0


def _district_counted_twice(rows: list[dict]) -> None:
    _dim(rows, "E22000019")["population"] += 1_000_000  # a split district given whole


def _english_partnership_without_region(rows: list[dict]) -> None:
    _dim(rows, "E22000020").update(region_code=None, region_name=None)


def _region_name_as_code(rows: list[dict]) -> None:
    _dim(rows, "E22000021")["region_code"] = "North West"


DIM_ROWS = 260
REGION_ROWS = 239  # the English partnerships

# defect, expectation, column, detail (whole, or its start when it ends with "…")
DIM_DEFECTS = [
    (_lookup_cut_short, "expect_table_row_count_to_be_between", None,
     "table: 249 rows, expected at least 250"),
    (_null_code, "expect_column_values_to_not_be_null", "partnership_code",
     f"partnership_code: 1 of {DIM_ROWS} rows are null"),
    (_duplicate_code, "expect_column_values_to_be_unique", "partnership_code",
     f"partnership_code: 2 of {DIM_ROWS} rows share a duplicated value (e.g. 'E22000012')"),
    (_district_code, "expect_column_values_to_match_regex", "partnership_code",
     f"partnership_code: 1 of {DIM_ROWS} rows do not match ^(?:E22|W14)[0-9]{{6}}$ "
     "(e.g. 'E07000117')"),
    (_null_name, "expect_column_values_to_not_be_null", "partnership_name",
     f"partnership_name: 1 of {DIM_ROWS} rows are null (e.g. at partnership_code='E22000014')"),
    (_duplicate_name, "expect_column_values_to_be_unique", "partnership_name",
     f"partnership_name: 2 of {DIM_ROWS} rows share a duplicated value "
     "(e.g. 'Partnership 16' at partnership_code='E22000015')"),
    (_null_population, "expect_column_values_to_not_be_null", "population",
     f"population: 1 of {DIM_ROWS} rows are null (e.g. at partnership_code='E22000017')"),
    (_zero_population, "expect_column_values_to_be_between", "population",
     f"population: 1 of {DIM_ROWS} rows at or below 0 (e.g. 0 at partnership_code='E22000018')"),
    (_district_counted_twice, "expect_column_sum_to_be_between", "population",
     "population: sum 60372000, expected between 59000000 and 60000000"),
    (_english_partnership_without_region, "expect_column_values_to_not_be_null", "region_code",
     f"region_code: 1 of {REGION_ROWS} rows are null (e.g. at partnership_code='E22000020')"),
    (_region_name_as_code, "expect_column_values_to_match_regex", "region_code",
     f"region_code: 1 of {DIM_ROWS} rows do not match ^E12[0-9]{{6}}$ "
     "(e.g. 'North West' at partnership_code='E22000021')"),
]


@pytest.mark.parametrize(
    ("defect", "expectation", "column", "detail"),
    DIM_DEFECTS,
    ids=[d[0].__name__.lstrip("_") for d in DIM_DEFECTS],
)
def test_dim_defect_fails_one_expectation(
    tmp_path: Path, marts_results, defect, expectation, column, detail
) -> None:
    rows = _dim_rows()
    defect(rows)
    result = validate_table(_marts_db(tmp_path / "bad.duckdb", rows), DIM_TABLE, DIM)
    assert result.success is False
    assert [(f.suite, f.expectation, f.column) for f in result.failures] == [
        (DIM, expectation, column)
    ], result.failures
    assert result.failures[0].detail == detail


def test_every_dim_expectation_has_a_defect() -> None:
    kinds = [(e["type"], e["kwargs"].get("column")) for e in runner.load_suite(DIM)["expectations"]]
    assert sorted(kinds, key=str) == sorted(((e, c) for _, e, c, _ in DIM_DEFECTS), key=str)


def test_welsh_partnerships_need_no_region(marts_results) -> None:
    rows = _dim_rows()
    assert not [r for r in rows if r["region_code"] is None and r["partnership_code"] < "W"]
    assert marts_results[DIM].success  # the 21 Welsh rows have no English region


# marts_monthly_volumes: each defect breaks exactly one expectation --------------------------


def _no_records(con) -> None:
    for table in ("police_crimes", "policeuk_crimes", "ae_assault_attendances",
                  "ambulance_assaults", "marac_cases", "probation_caseload"):
        con.execute(f"delete from marts.fct_{table}")


def _unknown_partnership(con) -> None:
    con.execute(
        "update marts.fct_police_crimes set partnership_code = 'E22999999' "
        "where crime_reference = 'C/E22000151/2023-02-01/3'"
    )


def _ae_department_unknown(con) -> None:
    # no usable location, and the department's partnership is not one we know
    con.execute(
        "update marts.fct_ae_assault_attendances set counted_partnership_code = 'E38000227' "
        "where partnership_code is null and arrival_month = '2023-03-01' and site_code = 'S1'"
    )


def _month_missing(con) -> None:
    con.execute(
        "insert into marts.fct_ambulance_assaults values ('x', 'E22000150', null, null)"
    )


def _month_before_2000(con) -> None:
    con.execute(
        "insert into marts.fct_marac_cases values "
        "('M/1900', 'E22000152', '1900-01-05', '1900-01-01')"
    )


def _month_after_latest_extract(con) -> None:
    con.execute(
        "insert into marts.fct_police_crimes values "
        "('C/future', 'E22000150', '2023-05-10', '2023-05-01')"
    )


def _month_not_of_its_date(con) -> None:
    con.execute(
        "update marts.fct_ae_assault_attendances set arrival_at = '2023-02-28 23:30' "
        "where attendance_id = '2023-03-01-4' and site_code = 'S2'"
    )


def _ambulance_month_not_geocoded(con) -> None:
    con.execute(
        "update marts.fct_ambulance_assaults set partnership_code = null "
        "where call_month = '2023-02-01' and partnership_code in ('E22000150', 'E22000151')"
    )


# defect, expectation, column, bad rows, detail after "<column>: <bad> of <checked> rows"
MONTHLY_DEFECTS = [
    (_no_records, "expect_table_row_count_to_be_between", None, 0, None),
    (_unknown_partnership, "expect_column_values_to_be_null", "unknown_partnership_code", 1,
     " are not null (e.g. 'E22999999' at source='police_crimes', "
     "partnership_code='E22999999', month=2023-02-01)"),
    (_month_missing, "expect_column_values_to_not_be_null", "month", 1,
     " are null (e.g. at source='ambulance', partnership_code='E22000150')"),
    (_month_before_2000, "expect_column_values_to_be_between", "month", 1,
     " below 2000-01-01 (e.g. 1900-01-01 at source='marac_cases', "
     "partnership_code='E22000152')"),
    (_month_after_latest_extract, "expect_column_pair_values_a_to_be_greater_than_b",
     "latest_extract_month, month", 1,
     " with latest_extract_month < month (e.g. 2023-03-01 < 2023-05-01 at "
     "source='police_crimes', partnership_code='E22000150')"),
    (_month_not_of_its_date, "expect_column_values_to_be_between",
     "records_dated_outside_month", 1,
     " above 0 (e.g. 1 at source='ae_istv', partnership_code='E22000151', month=2023-03-01)"),
    (_ambulance_month_not_geocoded, "expect_column_values_to_be_between",
     "source_month_placed_share", 2,
     " below 0.8 (e.g. 0.3 at source='ambulance', partnership_code='E22000152', "
     "month=2023-02-01)"),
]


def _checked_rows(db: Path, expectation: dict) -> int:
    agg = _aggregate(db)
    condition = expectation["kwargs"].get("row_condition")
    return len(agg.query(condition) if condition else agg)


@pytest.mark.parametrize(
    ("defect", "expectation", "column", "bad_rows", "detail"),
    MONTHLY_DEFECTS,
    ids=[d[0].__name__.lstrip("_") for d in MONTHLY_DEFECTS],
)
def test_monthly_defect_fails_one_expectation(
    tmp_path: Path, marts_results, defect, expectation, column, bad_rows, detail
) -> None:
    db = _marts_db(tmp_path / "bad.duckdb")
    con = duckdb.connect(str(db))
    defect(con)
    con.close()
    result = runner.validate_suite(db, MONTHLY)

    assert result.success is False
    assert result.evaluated == len(runner.load_suite(MONTHLY)["expectations"])
    assert [(f.suite, f.expectation, f.column) for f in result.failures] == [
        (MONTHLY, expectation, column)
    ], result.failures
    (failure,) = result.failures
    if column is None:
        assert failure.detail == "table: 0 rows, expected at least 1"
        return
    (checked,) = [
        e for e in runner.load_suite(MONTHLY)["expectations"]
        if e["type"] == expectation and _column_label(e["kwargs"]) == column
    ]
    rows = f"{column}: {bad_rows} of {_checked_rows(db, checked)} rows"
    assert failure.detail == rows + detail


def _column_label(kwargs: dict) -> str | None:
    return runner._column_label(kwargs)


def test_ae_counted_in_an_unknown_department_partnership_fails(
    tmp_path: Path, marts_results
) -> None:
    # no dbt test covers the A&E fact's counted partnership: this suite does
    db = _marts_db(tmp_path / "bad.duckdb")
    con = duckdb.connect(str(db))
    _ae_department_unknown(con)
    con.close()
    result = runner.validate_suite(db, MONTHLY)
    assert [f.column for f in result.failures] == ["unknown_partnership_code"]
    assert "(e.g. 'E38000227' at source='ae_istv'" in result.failures[0].detail


def test_negative_record_counts_fail(tmp_path: Path, marts_results) -> None:
    # count(*) cannot go below 1; the expectation guards the query itself, so break the query
    db = _marts_db(tmp_path / "good.duckdb")
    query = f"select * replace (0 - records as records) from ({_monthly_query()})"
    result = runner.validate_query(db, query, MONTHLY)
    assert [f.column for f in result.failures] == ["records"]
    assert result.failures[0].detail == (
        "records: 57 of 57 rows below 1 (e.g. -20 at source='ae_istv', "
        "partnership_code='E22000150', month=2023-01-01)"
    )


def test_every_monthly_expectation_has_a_defect() -> None:
    kinds = sorted(
        (e["type"], _column_label(e["kwargs"]))
        for e in runner.load_suite(MONTHLY)["expectations"]
    )
    tested = [(e, c) for _, e, c, _, _ in MONTHLY_DEFECTS]
    tested.append(("expect_column_values_to_be_between", "records"))
    assert kinds == sorted(tested, key=lambda k: (k[0], k[1] or ""))


# The query path is read-only ------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "create table marts.x as select 1",
        "delete from marts.fct_police_crimes",
        "copy marts.fct_police_crimes to 'out.csv'",
        "select 1; drop table marts.fct_police_crimes",
        "attach 'other.duckdb' as other",
        "pragma enable_profiling",
    ],
)
def test_a_query_that_is_not_one_select_is_refused(tmp_path: Path, query: str) -> None:
    db = _marts_db(tmp_path / "good.duckdb")
    with pytest.raises(ValueError, match="must be one read-only SELECT statement"):
        runner.validate_query(db, query, MONTHLY)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from marts.fct_police_crimes").fetchall() == [(270,)]
    con.close()


def test_the_query_path_reads_the_database_and_nothing_else(
    tmp_path: Path, marts_results
) -> None:
    db = _marts_db(tmp_path / "good.duckdb")
    before = db.read_bytes()
    assert runner.validate_suite(db, MONTHLY).success
    assert db.read_bytes() == before  # nothing written, not even a checkpoint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.duckdb"]  # no WAL, no temp
    # a SELECT cannot reach the file system either: no read_csv of landing files
    outside = tmp_path / "landing.csv"
    outside.write_text("a\n1\n")
    result = runner.validate_query(db, f"select * from read_csv('{outside}')", MONTHLY)
    assert [f.expectation for f in result.failures] == [runner.QUERY_RUNS]
    assert "file system operations are disabled" in result.failures[0].detail
    assert "\n" not in result.failures[0].detail


def test_a_missing_fact_table_is_a_failure_not_an_exception(
    tmp_path: Path, marts_results
) -> None:
    db = _marts_db(tmp_path / "bad.duckdb")
    con = duckdb.connect(str(db))
    con.execute("drop table marts.fct_marac_cases")
    con.close()
    result = runner.validate_suite(db, MONTHLY)
    assert result.success is False and result.evaluated == 0
    (failure,) = result.failures
    assert failure.expectation == runner.TABLE_EXISTS
    assert failure.detail.startswith(f"query could not run on {db}: Catalog Error: Table ")
    assert "fct_marac_cases does not exist" in failure.detail and "\n" not in failure.detail


def test_a_fact_column_renamed_is_a_failure(tmp_path: Path, marts_results) -> None:
    db = _marts_db(tmp_path / "bad.duckdb")
    con = duckdb.connect(str(db))
    con.execute("alter table marts.fct_ambulance_assaults rename call_month to month_of_call")
    con.close()
    result = runner.validate_suite(db, MONTHLY)
    (failure,) = result.failures
    assert failure.expectation == runner.QUERY_RUNS
    assert '"call_month" not found' in failure.detail and "\n" not in failure.detail


def test_a_missing_database_is_a_failure_and_stays_missing(tmp_path: Path) -> None:
    result = runner.validate_suite(tmp_path / "nope.duckdb", MONTHLY)
    assert result.success is False
    assert [f.expectation for f in result.failures] == [runner.TABLE_EXISTS]
    assert result.failures[0].detail.endswith(f"database {tmp_path / 'nope.duckdb'} does not exist")
    assert not (tmp_path / "nope.duckdb").exists()


def test_validate_all_runs_every_suite_on_one_database(tmp_path: Path, marts_results) -> None:
    db = _marts_db(_make_db(tmp_path / "build.duckdb", _rows()))  # indicators and marts
    results = validate_all(db)
    assert [r.suite for r in results] == sorted(_all_suites())
    assert all(r.success for r in results), [r.failures for r in results]
