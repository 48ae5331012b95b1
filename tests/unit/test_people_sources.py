"""The people-level extracts: probation caseload and reoffending, school exclusions and pupil
counts, MARAC cases. Generated in contract format, deterministically, with realistic rates;
every generated row accepted by the loader; person identifiers never stored in clear; bad rows
quarantined with the exact reason.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.contracts import CONTRACTS
from orchestration.ingest import ingest_source
from orchestration.reference import placeable_partnerships
from orchestration.synthetic import (
    marac_cases,
    probation_caseload,
    probation_reoffending,
    school_exclusions,
    school_pupils,
)
from orchestration.synthetic.base import GeneratedSource, GenerationContext

SOURCES = ("probation_caseload", "probation_reoffending", "school_pupils", "school_exclusions",
           "marac_cases")
GENERATORS = (probation_caseload, probation_reoffending, school_pupils, school_exclusions,
              marac_cases)
PERSON_IDS = {"probation_caseload": "person_id", "probation_reoffending": "person_id",
              "school_exclusions": "pupil_id", "marac_cases": "victim_id"}
# Blackpool (a unitary authority) and Burnley (a district of Lancashire county)
PARTNERSHIPS = ("E22000151", "E22000152")
MONTHS = [str(m)[:7] for m in pd.date_range("2022-04-01", periods=24, freq="MS")]
NOW = datetime(2024, 6, 1, 12, 0)
KEY = b"k" * 32


def _generate(landing: Path, seed: int) -> dict[str, GeneratedSource]:
    """The five generators called directly, in their order, for two partnerships and two
    years: other sources' generators play no part."""
    lsoas = placeable_partnerships()
    lsoas = lsoas[lsoas["csp_code"].isin(PARTNERSHIPS)].reset_index(drop=True)
    ctx = GenerationContext(lsoas=lsoas, landing=landing, seed=seed,
                            months=pd.date_range("2022-04-01", periods=24, freq="MS"))
    return {m.SOURCE: m.generate(ctx) for m in sorted(GENERATORS, key=lambda m: m.ORDER)}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*"))}


def _hash(value: str) -> str:
    return hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()


def _files(landing: Path, source: str) -> str:
    return f"read_csv('{landing / source}/*.csv', all_varchar = true, header = true)"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, GeneratedSource]]:
    landing = tmp_path_factory.mktemp("landing")
    return landing, _generate(landing, seed=7)


@pytest.fixture(scope="module")
def loaded(generated) -> tuple[duckdb.DuckDBPyConnection, dict[str, list]]:
    landing, _ = generated
    con = duckdb.connect()
    results = {s: ingest_source(con, CONTRACTS[s], landing, now=NOW, key=KEY) for s in SOURCES}
    return con, results


@pytest.fixture(scope="module")
def population() -> float:
    lsoas = placeable_partnerships()
    return float(lsoas.loc[lsoas["csp_code"].isin(PARTNERSHIPS), "lsoa_population"].sum())


def test_generators_run_in_order_and_read_what_they_need() -> None:
    orders = [m.ORDER for m in GENERATORS]
    assert orders == [40, 41, 49, 50, 60]
    # reoffending reuses the caseload's people; exclusions use the pupil counts
    assert probation_caseload.ORDER < probation_reoffending.ORDER
    assert school_pupils.ORDER < school_exclusions.ORDER


def test_files_are_named_per_period_in_contract_format(generated) -> None:
    landing, result = generated
    school_months = [m for m in MONTHS if not m.endswith("-08")]  # no exclusions in August
    expected = {
        "probation_caseload": [f"caseload_{m}.csv" for m in MONTHS],
        "probation_reoffending": [f"reoffending_{m}.csv" for m in MONTHS
                                  if int(m[5:]) in (1, 4, 7, 10)],
        "school_pupils": ["census_2022-01.csv", "census_2023-01.csv", "census_2024-01.csv"],
        "school_exclusions": [f"{la}_{m}.csv" for la in ("E06000009", "E10000017")
                              for m in school_months],
        "marac_cases": [f"{p}_{m}.csv" for p in PARTNERSHIPS for m in MONTHS],
    }
    for source, names in expected.items():
        files = sorted((landing / source).glob("*.csv"))
        assert [f.name for f in files] == names, source
        assert result[source].files == len(names)
        for f in files:
            with f.open(newline="") as fh:
                assert tuple(next(csv.reader(fh))) == CONTRACTS[source].column_names, f.name


def test_same_seed_same_bytes_other_seed_other_bytes(generated, tmp_path: Path) -> None:
    landing, _ = generated
    _generate(tmp_path / "a", seed=7)
    _generate(tmp_path / "b", seed=8)
    for source in SOURCES:
        assert _digest(tmp_path / "a" / source) == _digest(landing / source), source
        assert _digest(tmp_path / "b" / source) != _digest(landing / source), source


def test_every_generated_row_is_loaded(generated, loaded) -> None:
    _, result = generated
    con, results = loaded
    for source in SOURCES:
        files = results[source]
        assert {r.status for r in files} == {"loaded"}, source
        assert sum(r.rows_quarantined for r in files) == 0, source
        assert sum(r.rows_loaded for r in files) == result[source].rows > 0, source
        assert con.execute(f"SELECT count(*) FROM raw.{source}").fetchall()[0][0] == (
            result[source].rows)
    assert con.execute("SELECT count(*) FROM ops.quarantine").fetchall() == [(0,)]


def test_person_identifiers_are_stored_only_as_keyed_hashes(generated, loaded) -> None:
    landing, _ = generated
    con, _ = loaded
    for source, column in PERSON_IDS.items():
        clear = con.execute(f"SELECT DISTINCT {column} FROM {_files(landing, source)}").fetchall()
        clear = sorted(c[0] for c in clear)
        stored = {r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM raw.{source}")
                  .fetchall()}
        assert stored == {_hash(c) for c in clear}, source
        assert not stored & set(clear), source
        con.register("clear_ids", pd.DataFrame({"id": clear}))
        # no clear identifier in any column of the raw table
        leaks = con.execute(
            f"SELECT count(*) FROM (UNPIVOT (SELECT COLUMNS(*)::VARCHAR FROM raw.{source}) "
            f"ON COLUMNS(*) INTO NAME col VALUE v) JOIN clear_ids ON v = id"
        ).fetchall()[0][0]
        con.unregister("clear_ids")
        assert leaks == 0, source


def test_the_same_person_links_caseload_and_reoffending_through_the_hash(loaded) -> None:
    con, _ = loaded
    linked, cohort = con.execute(
        "SELECT count(*) FILTER (WHERE person_id IN (SELECT person_id FROM "
        "raw.probation_caseload)), count(*) FROM raw.probation_reoffending"
    ).fetchall()[0]
    # order starts and releases are a little under half of a proven-reoffending cohort
    assert 0.25 < linked / cohort < 0.65


def test_caseload_rates_and_consecutive_snapshots(generated, population: float) -> None:
    landing, _ = generated
    rate, high, gaps, changed = duckdb.sql(
        f"""
        WITH c AS (SELECT *, snapshot_month::DATE || '' AS m FROM
                   {_files(landing, 'probation_caseload')}),
        people AS (
            SELECT person_id, count(*) AS months,
                   date_diff('month', min(snapshot_month || '-01')::DATE,
                             max(snapshot_month || '-01')::DATE) + 1 AS span,
                   count(DISTINCT order_start_date || offence_group || rosh_level) AS versions
            FROM c GROUP BY person_id
        )
        SELECT (SELECT count(*) FROM c) / 24 * 1000 / {population},
               (SELECT avg(CASE WHEN rosh_level IN ('high', 'very_high') THEN 1 ELSE 0 END)
                FROM c),
               (SELECT count(*) FROM people WHERE months <> span),
               (SELECT count(*) FROM people WHERE versions <> 1)
        """
    ).fetchall()[0]
    assert 2.5 < rate < 5.5  # people under supervision per 1,000 residents
    assert 0.18 < high < 0.28  # high or very high risk of serious harm
    assert gaps == 0 and changed == 0  # in every month until the order ends, unchanged


def test_reoffending_rates(generated) -> None:
    landing, _ = generated
    overall, violence, zero_when_no = duckdb.sql(
        f"""
        SELECT avg(CASE WHEN reoffended = 'Y' THEN 1 ELSE 0 END),
               avg(CASE WHEN reoffended = 'Y' THEN 1 ELSE 0 END)
                   FILTER (WHERE offence_group = 'violence'),
               bool_and(reoffences = '0') FILTER (WHERE reoffended = 'N')
        FROM {_files(landing, 'probation_reoffending')}
        """
    ).fetchall()[0]
    assert 0.21 < overall < 0.30
    assert 0.24 < violence < 0.36
    assert zero_when_no


def test_school_exclusion_rates_and_school_days(generated, population: float) -> None:
    landing, _ = generated
    con = duckdb.connect()
    pupils = con.execute(
        f"SELECT sum(pupils::INTEGER) FILTER (WHERE academic_year = '2022/23'), "
        f"sum(pupils::INTEGER) FILTER (WHERE academic_year = '2022/23') / {population} "
        f"FROM {_files(landing, 'school_pupils')}"
    ).fetchall()[0]
    assert 0.13 < pupils[1] < 0.17  # pupils are about 15% of residents
    suspensions, permanent, assault, boys, weekend, august = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE exclusion_type = 'suspension' AND d BETWEEN
                   DATE '2022-09-01' AND DATE '2023-08-31') * 100.0 / {pupils[0]},
               count(*) FILTER (WHERE exclusion_type = 'permanent' AND d BETWEEN
                   DATE '2022-09-01' AND DATE '2023-08-31') * 100.0 / {pupils[0]},
               avg(CASE WHEN reason LIKE 'physical_assault%' THEN 1 ELSE 0 END)
                   FILTER (WHERE exclusion_type = 'suspension'),
               avg(CASE WHEN pupil_sex = 'M' THEN 1 ELSE 0 END),
               count(*) FILTER (WHERE dayofweek(d) IN (0, 6)),
               count(*) FILTER (WHERE month(d) = 8)
        FROM (SELECT *, exclusion_date::DATE AS d FROM {_files(landing, 'school_exclusions')})
        """
    ).fetchall()[0]
    # per 100 pupils in 2022/23: England 9.3 and 0.11; deprived Lancashire runs higher
    assert 6 < suspensions < 18
    assert 0.04 < permanent < 0.35
    assert 0.22 < assault < 0.32
    assert 0.65 < boys < 0.85
    assert weekend == 0 and august == 0


def test_marac_volumes_and_repeat_share_once_derived(generated, population: float) -> None:
    landing, _ = generated
    per_10000_women, repeats = duckdb.sql(
        f"""
        WITH cases AS (
            SELECT *, conference_date::DATE AS d,
                   lag(conference_date::DATE) OVER (
                       PARTITION BY victim_id ORDER BY conference_date::DATE, case_id) AS prev
            FROM {_files(landing, 'marac_cases')}
        )
        SELECT count(*) / 2 * 10000 / ({population} * 0.41),
               avg(CASE WHEN prev >= d - INTERVAL 12 MONTH THEN 1 ELSE 0 END)
        FROM cases
        """
    ).fetchall()[0]
    assert 25 < per_10000_women < 70  # SafeLives: about 40 a year
    assert 0.20 < repeats < 0.40  # SafeLives: about 30% repeats within 12 months


# --- bad rows: one file per contract, each bad row quarantined with its exact reason -------

BAD_ROWS: dict[str, tuple[str, list[tuple[str, str | None]]]] = {
    "probation_caseload": ("caseload_2024-03.csv", [
        ("2024-03,A123456,E01012628,E06000009,violence,high,2,1,licence,2023-11-02", None),
        ("2024-03,B123456,,E06000009,sexual,medium,1,,community_order,2023-11-02",
         "mappa_category and mappa_level must both be given or both be blank"),
        ("2024-03,C123456,,E06000009,theft,low,,,community_order,2024-04-02",
         "order_start_date is after the snapshot month"),
        ("2024-03,D123456,,E06000009,theft,extreme,,,community_order,2024-01-02",
         "rosh_level 'extreme' is not a known code"),
        ("2024-03,E123456,,W06000001,theft,low,,,community_order,2024-01-02",
         "lad_code 'W06000001' is not in the expected format"),
        ("2024-03,A123456,E01012628,E06000009,violence,high,2,1,licence,2023-11-02",
         "duplicate of the record on line 2"),
        ("2099-01,F123456,,E06000009,drugs,low,,,licence,2024-01-02",
         "snapshot_month '2099-01' is in the future"),
    ]),
    "probation_reoffending": ("reoffending_2023-01.csv", [
        ("A123456,2023-Q1,E06000009,violence,Y,3", None),
        ("B123456,2023-Q1,E06000009,theft,N,2", "reoffences is above 0 but reoffended is N"),
        ("C123456,2023-Q1,E06000009,theft,Y,0", "reoffended is Y but reoffences is 0"),
        ("D123456,2023-Q5,E06000009,drugs,N,0",
         "cohort_quarter '2023-Q5' is not in the expected format"),
        ("E123456,2023-Q1,E06000009,drugs,N,-1", "reoffences '-1' is below 0"),
        ("F123456,2023-Q1,E06000009,drugs,Y,2.5", "reoffences '2.5' is not a whole number"),
    ]),
    "school_pupils": ("census_2024-01.csv", [
        ("E06000009,2023/24,24021", None),
        ("E07000117,2023/25,13237", "academic_year does not span two consecutive years"),
        ("E07000121,2023/24,-5", "pupils '-5' is below 0"),
        ("E10000017,2023/24,180000", "lad_code 'E10000017' is not in the expected format"),
        ("E06000009,2023/24,24021", "duplicate of the record on line 2"),
    ]),
    "school_exclusions": ("E10000017_2023-03.csv", [
        ("A123456789012,100123,E10000017,E07000117,2023-03-01,suspension,damage,1.5,13,M", None),
        ("B123456789012,100123,E10000017,E06000009,2023-03-01,suspension,damage,1,13,M",
         "lad_code is not a county district (E07) though la_code is a county (E10)"),
        ("C123456789012,100124,E06000009,E06000008,2023-03-01,suspension,damage,1,13,M",
         "lad_code differs from la_code though la_code is a single-tier authority"),
        ("D123456789012,100123,E10000017,E07000117,2023-03-01,suspension,theft,,13,F",
         "days_lost is required for a suspension"),
        ("E123456789012,100123,E10000017,E07000117,2023-03-01,suspension,theft,0.3,13,F",
         "days_lost is not a positive number of half days"),
        ("F123456789012,100123,E10000017,E07000117,2023-03-04,suspension,theft,1,13,F",
         "exclusion_date falls on a weekend"),
        ("G123456789012,100123,E10000017,E07000117,2023-03-01,suspension,theft,1,21,F",
         "pupil_age '21' is above 19"),
        ("H123456789012,100123,E10000017,E07000117,2023-03-01,suspension,fighting,1,14,F",
         "reason 'fighting' is not a known code"),
        ("J123456789012,100123,E10000017,E07000117,2023-03-02,permanent,drug_alcohol,,15,M",
         None),
    ]),
    "marac_cases": ("E22000151_2023-03.csv", [
        ("E22000151/202303/0001,2023-03-07,E22000151,MV12345678,police,25-34,F,2", None),
        ("E22000151/202303/0002,2023-03-07,E22000151,MV22345678,police,15-17,F,0",
         "victim_age_band '15-17' is not a known code"),
        ("E22000151/202303/0003,2023-03-07,E22000151,MV32345678,idva,25-34,F,-1",
         "children_in_household '-1' is below 0"),
        ("E22000151/202303/0004,2023-03-07,E06000009,MV42345678,idva,25-34,F,1",
         "partnership_code 'E06000009' is not in the expected format"),
        ("E22000151/202303/0005,2023-03-07,E22000151,MV52345678,,25-34,F,1",
         "referring_agency is required but blank"),
        ("E22000151/202303/0001,2023-03-21,E22000151,MV12345678,police,25-34,F,2",
         "duplicate of the record on line 2"),
        ("E22000151/202303/0006,2023-02-30,E22000151,MV62345678,health,35-44,F,0",
         "conference_date '2023-02-30' is not a date (YYYY-MM-DD)"),
    ]),
}


@pytest.mark.parametrize("source", SOURCES)
def test_bad_rows_are_quarantined_with_the_exact_reason(source: str, tmp_path: Path) -> None:
    contract = CONTRACTS[source]
    name, rows = BAD_ROWS[source]
    folder = tmp_path / source
    folder.mkdir()
    lines = [",".join(contract.column_names)] + [r for r, _ in rows]
    (folder / name).write_text("\n".join(lines) + "\n")
    con = duckdb.connect()
    [result] = ingest_source(con, contract, tmp_path, now=NOW, key=KEY)
    expected = {line: reason for line, (_, reason) in enumerate(rows, start=2) if reason}
    assert (result.status, result.rows_read, result.rows_quarantined) == (
        "loaded", len(rows), len(expected))
    got = dict(con.execute("SELECT line_number, reason FROM ops.quarantine").fetchall())
    assert got == expected
    loaded = [r[0] for r in con.execute(
        f"SELECT _line_number FROM raw.{source} ORDER BY 1").fetchall()]
    assert loaded == [line for line, (_, reason) in enumerate(rows, start=2) if not reason]
    column = PERSON_IDS.get(source)
    if column:  # the quarantined record keeps the identifier only as its keyed hash
        position = contract.column_names.index(column)
        clear = {r.split(",")[position] for r, _ in rows}
        everything = str(con.execute("SELECT * FROM ops.quarantine").fetchall())
        assert not [c for c in clear if c in everything]
        assert all(_hash(r.split(",")[position]) in everything for r, reason in rows if reason)


# A person identifier never appears in clear in quarantine: not in a reason, not in a line
# that cannot be read.
def test_a_malformed_person_id_is_not_quoted_in_the_reason(tmp_path: Path) -> None:
    contract = CONTRACTS["marac_cases"]
    (tmp_path / "marac_cases").mkdir()
    (tmp_path / "marac_cases" / "E22000151_2023-03.csv").write_text(
        ",".join(contract.column_names)
        + "\nE22000151/202303/0001,2023-03-07,E22000151,mv-1234,police,25-34,F,2\n")
    con = duckdb.connect()
    ingest_source(con, contract, tmp_path, now=NOW, key=KEY)
    assert "mv-1234" not in str(con.execute("SELECT * FROM ops.quarantine").fetchall())


def test_an_unreadable_line_does_not_keep_a_person_id(tmp_path: Path) -> None:
    contract = CONTRACTS["marac_cases"]
    (tmp_path / "marac_cases").mkdir()
    (tmp_path / "marac_cases" / "E22000151_2023-03.csv").write_text(
        ",".join(contract.column_names)
        + "\nE22000151/202303/0001,2023-03-07,E22000151,MV12345678,police,25-34,F,2,extra\n")
    con = duckdb.connect()
    ingest_source(con, contract, tmp_path, now=NOW, key=KEY)
    assert "MV12345678" not in str(con.execute("SELECT * FROM ops.quarantine").fetchall())
