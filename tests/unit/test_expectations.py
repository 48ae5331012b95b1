"""The GX data-quality gate: real Great Expectations runs against small DuckDB files."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from expectations import runner
from expectations.runner import ExpectationFailure, SuiteResult, validate_all, validate_table

SUITE = "indicator_values"
TABLE = "analytics.indicator_values"

COLUMNS = (
    "indicator_id VARCHAR, indicator_name VARCHAR, area_code VARCHAR, area_name VARCHAR, "
    "area_type VARCHAR, period_type VARCHAR, period_label VARCHAR, period_start DATE, "
    "period_end DATE, numerator BIGINT, denominator BIGINT, multiplier INTEGER, value DOUBLE"
)

GOOD_ROWS = [
    ("E22000001", "Northtown CSP", "2022/23", "2022-04-01", "2023-03-31", 1200, 150000),
    ("E22000001", "Northtown CSP", "2023/24", "2023-04-01", "2024-03-31", 1310, 151000),
    ("E22000002", "Southvale CSP", "2022/23", "2022-04-01", "2023-03-31", 640, 98000),
    ("E22000002", "Southvale CSP", "2023/24", "2023-04-01", "2024-03-31", 702, 98500),
    ("E22000003", "Eastmoor CSP", "2023/24", "2023-04-01", "2024-03-31", 0, 52000),
]


def _rows() -> list[dict]:
    return [
        {
            "indicator_id": "vap_per_1000",
            "indicator_name": "Violence against the person offences per 1,000 residents",
            "area_code": code,
            "area_name": name,
            "area_type": "partnership",
            "period_type": "financial_year",
            "period_label": label,
            "period_start": start,
            "period_end": end,
            "numerator": num,
            "denominator": den,
            "multiplier": 1000,
            "value": num / den * 1000,
        }
        for code, name, label, start, end, num, den in GOOD_ROWS
    ]


def _make_db(path: Path, rows: list[dict] | None) -> Path:
    """A DuckDB file with analytics.indicator_values holding ``rows`` (None: no table)."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema analytics")
        if rows is not None:
            con.execute(f"create table {TABLE} ({COLUMNS})")
            names = [c.split()[0] for c in COLUMNS.split(", ")]
            con.executemany(
                f"insert into {TABLE} values ({', '.join('?' for _ in names)})",
                [[row[n] for n in names] for row in rows],
            )
    finally:
        con.close()
    return path


def _suite_size() -> int:
    return len(json.loads(runner.suite_path(SUITE).read_text())["expectations"])


@pytest.fixture(scope="module")
def good_result(tmp_path_factory) -> SuiteResult:
    # The first run pays the one-off GX import; every other test reuses the loaded module.
    db = _make_db(tmp_path_factory.mktemp("good") / "good.duckdb", _rows())
    return validate_table(db, TABLE, SUITE)


def test_good_table_passes(good_result: SuiteResult) -> None:
    assert good_result.failures == ()
    assert good_result.success is True
    assert good_result.suite == SUITE
    assert good_result.table == TABLE
    assert good_result.evaluated == _suite_size()


def _negative_numerator(rows: list[dict]) -> None:
    rows[1]["numerator"] = -1


def _duplicate_key(rows: list[dict]) -> None:
    rows.append(dict(rows[0], value=99.0))


def _bad_area_code(rows: list[dict]) -> None:
    rows[2]["area_code"] = "E06000001"  # a unitary authority, not a CSP


def _null_value(rows: list[dict]) -> None:
    rows[3]["value"] = None


def _zero_denominator(rows: list[dict]) -> None:
    rows[4]["denominator"] = 0


@pytest.mark.parametrize(
    ("defect", "expectation", "column", "bad_rows", "phrase"),
    [
        (_negative_numerator, "expect_column_values_to_be_between", "numerator", 1, "below 0"),
        (
            _duplicate_key,
            "expect_compound_columns_to_be_unique",
            "indicator_id, area_code, area_type, period_type, period_start",
            2,  # GX counts every row that shares the key, the original too
            "duplicated key",
        ),
        (_bad_area_code, "expect_column_values_to_match_regex", "area_code", 1, "'E06000001'"),
        (_null_value, "expect_column_values_to_not_be_null", "value", 1, "are null"),
        (
            _zero_denominator,
            "expect_column_values_to_be_between",
            "denominator",
            1,
            "at or below 0 (e.g. 0)",
        ),
    ],
    ids=["negative_numerator", "duplicate_key", "bad_area_code", "null_value", "zero_denominator"],
)
def test_defect_fails_the_expected_expectation(
    tmp_path: Path, good_result: SuiteResult, defect, expectation, column, bad_rows, phrase
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
    assert failure.detail.startswith(f"{column}: {bad_rows} of {len(rows)} rows"), failure.detail
    assert phrase in failure.detail, failure.detail


def test_negative_numerator_detail_is_readable(tmp_path: Path, good_result: SuiteResult) -> None:
    rows = _rows()
    rows[0]["numerator"] = -3
    result = validate_table(_make_db(tmp_path / "bad.duckdb", rows), TABLE, SUITE)
    assert [f.detail for f in result.failures] == [
        f"numerator: 1 of {len(rows)} rows below 0 (e.g. -3)"
    ]


def test_period_end_before_start_fails(tmp_path: Path, good_result: SuiteResult) -> None:
    rows = _rows()
    rows[0]["period_end"] = "2022-03-31"
    result = validate_table(_make_db(tmp_path / "bad.duckdb", rows), TABLE, SUITE)
    assert [(f.expectation, f.column) for f in result.failures] == [
        ("expect_column_pair_values_a_to_be_greater_than_b", "period_end, period_start")
    ]
    assert "2022-03-31 <= 2022-04-01" in result.failures[0].detail


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
    suite = json.loads(runner.suite_path(SUITE).read_text())
    assert suite["name"] == SUITE
    assert suite["meta"]["table"] == TABLE
    for expectation in suite["expectations"]:
        assert expectation["meta"]["notes"].strip(), expectation["type"]
