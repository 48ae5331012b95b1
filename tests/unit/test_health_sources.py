"""The health and ambulance extracts: contracts, generators and the loader together.

ED assault attendances (ISTV), ambulance assault incidents and hospital admissions for
assault: generated in contract format, deterministically, every generated row accepted by
the loader, only part of ED violence known to the police, bad rows quarantined with reasons.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.contracts import CONTRACTS
from orchestration.ingest import ingest_source
from orchestration.reference import placeable_partnerships
from orchestration.synthetic import ae_istv, ambulance, hospital_admissions, police_crimes
from orchestration.synthetic.base import GeneratedSource, GenerationContext
from orchestration.synthetic.generate import DEMO_PARTNERSHIPS

HEALTH = ("ae_istv", "ambulance", "hospital_admissions")
GENERATORS = (police_crimes, ae_istv, ambulance, hospital_admissions)
NOW = datetime(2024, 6, 1, 12, 0)
MONTHS = [f"2022-{m:02d}" for m in range(4, 13)] + [f"2023-{m:02d}" for m in range(1, 4)]


def _generate(landing: Path, seed: int) -> dict[str, GeneratedSource]:
    """Police first (ED reads it), then the three health sources, for the demo partnerships:
    the generators called directly so that other sources' generators play no part."""
    lsoas = placeable_partnerships()
    lsoas = lsoas[lsoas["csp_code"].isin(DEMO_PARTNERSHIPS)].reset_index(drop=True)
    ctx = GenerationContext(lsoas=lsoas, landing=landing, seed=seed,
                            months=pd.date_range("2022-04-01", periods=12, freq="MS"))
    return {m.SOURCE: m.generate(ctx) for m in sorted(GENERATORS, key=lambda m: m.ORDER)}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*"))}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, GeneratedSource]]:
    landing = tmp_path_factory.mktemp("landing")
    return landing, _generate(landing, seed=7)


@pytest.fixture(scope="module")
def loaded(generated) -> tuple[duckdb.DuckDBPyConnection, dict[str, list]]:
    landing, _ = generated
    con = duckdb.connect()
    results = {s: ingest_source(con, CONTRACTS[s], landing, now=NOW) for s in HEALTH}
    return con, results


def test_health_generators_run_after_police() -> None:
    assert police_crimes.ORDER < ae_istv.ORDER < ambulance.ORDER < hospital_admissions.ORDER
    assert (ae_istv.ORDER, ambulance.ORDER, hospital_admissions.ORDER) == (10, 20, 30)


def test_files_are_named_per_site_area_and_period_in_contract_format(generated) -> None:
    landing, result = generated
    sites = sorted("Z" + code[-4:] for code in DEMO_PARTNERSHIPS)
    expected = {
        "ae_istv": [f"{s}_{m}.csv" for s in sites for m in MONTHS],
        # the demo partnerships are all in Lancashire: its force code stands in for the area
        "ambulance": [f"E23000003_{m}.csv" for m in MONTHS],
        "hospital_admissions": ["assault_admissions_2022-23.csv"],
    }
    for source, names in expected.items():
        files = sorted((landing / source).glob("*.csv"))
        assert [f.name for f in files] == names, source
        assert result[source].files == len(names)
        for f in files:
            with f.open(newline="") as fh:
                assert tuple(next(csv.reader(fh))) == CONTRACTS[source].column_names, f.name
        assert not (landing / source / ".partitions").exists()


def test_same_seed_same_bytes_other_seed_other_bytes(generated, tmp_path: Path) -> None:
    landing, _ = generated
    _generate(tmp_path / "a", seed=7)
    _generate(tmp_path / "b", seed=8)
    for source in HEALTH:
        assert _digest(tmp_path / "a" / source) == _digest(landing / source), source
        assert _digest(tmp_path / "b" / source) != _digest(landing / source), source


def test_every_generated_row_passes_the_loader(generated, loaded) -> None:
    _, result = generated
    con, results = loaded
    for source in HEALTH:
        files = results[source]
        assert {r.status for r in files} == {"loaded"}, source
        assert sum(r.rows_quarantined for r in files) == 0, source
        assert sum(r.rows_loaded for r in files) == result[source].rows > 0, source
        raw = con.execute(f"SELECT count(*) FROM raw.{source}").fetchall()[0][0]
        assert raw == result[source].rows
    assert con.execute("SELECT count(*) FROM ops.quarantine").fetchall() == [(0,)]


def test_only_part_of_ed_violence_is_known_to_the_police(generated) -> None:
    """ED attendances with a location, linked to police violence with injury by LSOA and
    date (the assault date, or the arrival date when the assault time is not known)."""
    landing, _ = generated
    share, located = duckdb.sql(
        f"""
        WITH ed AS (
            SELECT site_code, attendance_id, lsoa_code,
                   coalesce(assault_at, arrival_at)::TIMESTAMP::DATE AS assault_date
            FROM read_csv('{landing}/ae_istv/*.csv', all_varchar = true)
            WHERE lsoa_code IS NOT NULL
        ), police AS (
            SELECT lsoa_code, occurred_at::TIMESTAMP::DATE AS occurred_date
            FROM read_csv('{landing}/police_crimes/*.csv', all_varchar = true)
            WHERE offence_subgroup = 'VAP_VWI'
        ), linked AS (
            SELECT site_code, attendance_id,
                   bool_or(police.lsoa_code IS NOT NULL) AS known_to_police
            FROM ed LEFT JOIN police
              ON police.lsoa_code = ed.lsoa_code
             AND abs(datediff('day', ed.assault_date, police.occurred_date)) <= 1
            GROUP BY ALL
        )
        SELECT avg(CASE WHEN known_to_police THEN 1.0 ELSE 0.0 END), count(*) FROM linked
        """
    ).fetchall()[0]
    assert located > 1000
    assert 0.25 <= share <= 0.45, share


def test_ed_volumes_locations_and_weapons_are_realistic(generated) -> None:
    landing, _ = generated
    population = placeable_partnerships().query("csp_code in @DEMO_PARTNERSHIPS")[
        "lsoa_population"].sum()
    per_1000, no_location, knife, night_ed, night_police = duckdb.sql(
        f"""
        WITH ed AS (SELECT * FROM read_csv('{landing}/ae_istv/*.csv', all_varchar = true)),
        police AS (
            SELECT * FROM read_csv('{landing}/police_crimes/*.csv', all_varchar = true)
            WHERE offence_subgroup = 'VAP_VWI'
        ),
        nights AS (
            SELECT 'ed' AS who, assault_at::TIMESTAMP AS t FROM ed WHERE assault_at IS NOT NULL
            UNION ALL SELECT 'police', occurred_at::TIMESTAMP FROM police
        ),
        night AS (
            SELECT who, avg(CASE WHEN (dayofweek(t) IN (5, 6) AND hour(t) >= 21)
                                   OR (dayofweek(t) IN (6, 0) AND hour(t) < 4)
                                 THEN 1.0 ELSE 0.0 END) AS share
            FROM nights GROUP BY who
        )
        SELECT (SELECT count(*) FROM ed) * 1000.0 / {population},
               (SELECT avg(CASE WHEN lsoa_code IS NULL THEN 1.0 ELSE 0.0 END) FROM ed),
               (SELECT avg(CASE WHEN assault_method = 'knife_sharp' THEN 1.0 ELSE 0.0 END)
                FROM ed),
               (SELECT share FROM night WHERE who = 'ed'),
               (SELECT share FROM night WHERE who = 'police')
        """
    ).fetchall()[0]
    assert 3.5 < per_1000 < 7, per_1000  # 4-5 nationally, more in deprived Lancashire
    assert 0.30 <= no_location <= 0.60, no_location
    assert 0.03 < knife < 0.08, knife
    assert night_ed > night_police + 0.03, (night_ed, night_police)


def test_ambulance_and_admission_rates_are_realistic(generated) -> None:
    landing, _ = generated
    population = placeable_partnerships().query("csp_code in @DEMO_PARTNERSHIPS")[
        "lsoa_population"].sum()
    ambulance_per_1000 = duckdb.sql(
        f"SELECT count(*) * 1000.0 / {population} "
        f"FROM read_csv('{landing}/ambulance/*.csv', all_varchar = true)"
    ).fetchall()[0][0]
    assert 1.8 < ambulance_per_1000 < 3.5, ambulance_per_1000
    per_100k, male, young = duckdb.sql(
        f"""
        SELECT sum(admissions) * 1e5 / {population},
               sum(admissions) FILTER (WHERE sex = 'M') / sum(admissions),
               sum(admissions) FILTER (WHERE age_band IN
                   ('15-19', '20-24', '25-29', '30-34', '35-39', '40-44')) / sum(admissions)
        FROM read_csv('{landing}/hospital_admissions/*.csv')
        """
    ).fetchall()[0]
    assert 40 < per_100k < 90, per_100k  # 40-60 nationally; deprived districts run higher
    assert male > 0.65 and young > 0.6, (male, young)
    # every district of the demo partnerships, every band and both sexes, once
    rows = duckdb.sql(
        f"SELECT count(*), count(DISTINCT lad_code) "
        f"FROM read_csv('{landing}/hospital_admissions/*.csv')"
    ).fetchall()[0]
    assert rows == (5 * 19 * 2, 5)


# --- bad rows are quarantined with the exact reason -----------------------------------------

def _write(landing: Path, source: str, name: str, rows: list[dict[str, str]]) -> None:
    folder = landing / source
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CONTRACTS[source].column_names)
        writer.writeheader()
        writer.writerows(rows)


def _quarantine(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    return dict(con.execute("SELECT line_number, reason FROM ops.quarantine").fetchall())


def _ed(attendance_id: str, **over: str) -> dict[str, str]:
    row = {
        "site_code": "RXN01", "reporting_period": "2024-04", "attendance_id": attendance_id,
        "arrival_at": "2024-04-06 01:40", "assault_at": "2024-04-06 00:55",
        "assault_method": "glass_bottle", "assault_method_other": "",
        "location_type": "licensed_premises",
        "location_description": 'outside "Yates" bar, Fishergate', "patient_age": "23",
        "patient_sex": "M", "lsoa_code": "E01025308",
    }
    return {**row, **over}


def test_bad_ed_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    _write(tmp_path, "ae_istv", "RXN01_2024-04.csv", [
        _ed("240400001"),                                                  # 2 good
        _ed("240400002", assault_at="", lsoa_code="", location_description=""),  # 3 good
        _ed("240400003", assault_at="2024-04-06 03:00"),                  # 4 assault later
        _ed("240400004", assault_method="punch"),                         # 5 unknown code
        _ed("240400005", site_code="rxn01"),                              # 6 bad site code
        _ed(""),                                                          # 7 blank id
        _ed("240400007", patient_age="130"),                              # 8 too old
        _ed("240400008", arrival_at="2024-05-01 00:10"),                  # 9 after period
        _ed("240400001"),                                                 # 10 duplicate
        _ed("240400010", patient_age="24.5"),                             # 11 not whole
        _ed("240400011", assault_method="other", assault_method_other="bitten, then kicked"),
    ])
    con = duckdb.connect()
    [result] = ingest_source(con, CONTRACTS["ae_istv"], tmp_path, now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (11, 3, 8)
    assert _quarantine(con) == {
        4: "assault_at is after arrival_at",
        5: "assault_method 'punch' is not a known code",
        6: "site_code 'rxn01' is not in the expected format",
        7: "attendance_id is required but blank",
        8: "patient_age '130' is above 120",
        9: "arrival_at is after reporting_period",
        10: "duplicate of the record on line 2",
        11: "patient_age '24.5' is not a whole number",
    }
    got = con.execute(
        "SELECT _line_number, assault_at, lsoa_code, location_description, assault_method_other "
        "FROM raw.ae_istv ORDER BY 1"
    ).fetchall()
    assert got == [
        (2, datetime(2024, 4, 6, 0, 55), "E01025308", 'outside "Yates" bar, Fishergate', None),
        (3, None, None, None, None),
        (12, datetime(2024, 4, 6, 0, 55), "E01025308", 'outside "Yates" bar, Fishergate',
         "bitten, then kicked"),
    ]


def _amb(incident_id: str, **over: str) -> dict[str, str]:
    row = {"service_area_code": "RX7", "incident_id": incident_id,
           "call_at": "2024-04-06 01:12", "incident_category": "other_assault",
           "lsoa_code": "E01025308", "conveyed_flag": "Y"}
    return {**row, **over}


def test_bad_ambulance_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    _write(tmp_path, "ambulance", "RX7_2024-04.csv", [
        _amb("202404-000001"),                                    # 2 good
        _amb("202404-000002", service_area_code="E23000003", lsoa_code=""),  # 3 good
        _amb("202404-000003", incident_category="assault"),       # 4 unknown code
        _amb("202404-000004", conveyed_flag="Yes"),               # 5 not Y/N
        _amb("202404-000005", call_at="06/04/2024 01:12"),        # 6 bad timestamp
        _amb("202404-000006", service_area_code="NWAS"),          # 7 bad area code
        _amb("202404-000007", call_at="2030-01-01 10:00"),        # 8 future
        _amb("202404-000001"),                                    # 9 duplicate
        _amb("202404-000001", service_area_code="E23000003"),     # 10 other area: good
    ])
    con = duckdb.connect()
    [result] = ingest_source(con, CONTRACTS["ambulance"], tmp_path, now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (9, 3, 6)
    assert _quarantine(con) == {
        4: "incident_category 'assault' is not a known code",
        5: "conveyed_flag 'Yes' is not Y or N",
        6: "call_at '06/04/2024 01:12' is not a date and time (YYYY-MM-DD HH:MM)",
        7: "service_area_code 'NWAS' is not in the expected format",
        8: "call_at '2030-01-01 10:00' is in the future",
        9: "duplicate of the record on line 2",
    }
    assert con.execute(
        "SELECT _line_number, conveyed_flag, lsoa_code FROM raw.ambulance ORDER BY 1"
    ).fetchall() == [(2, True, "E01025308"), (3, True, None), (10, True, "E01025308")]


def _adm(**over: str) -> dict[str, str]:
    row = {"lad_code": "E06000008", "financial_year": "2023/24", "age_band": "20-24",
           "sex": "M", "admissions": "11"}
    return {**row, **over}


def test_bad_admission_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    _write(tmp_path, "hospital_admissions", "assault_admissions_2023-24.csv", [
        _adm(),                                          # 2 good
        _adm(sex="F", admissions="0"),                   # 3 good: a zero count
        _adm(age_band="90+", financial_year="2023/25"),  # 4 years not consecutive
        _adm(financial_year="2023-24"),                  # 5 bad format
        _adm(age_band="90-94"),                          # 6 not an ESP band
        _adm(sex="U"),                                   # 7 not M/F
        _adm(age_band="25-29", admissions="-1"),         # 8 negative
        _adm(age_band="30-34", admissions="3.5"),        # 9 not a whole number
        _adm(lad_code="E10000017"),                      # 10 a county, not a district
        _adm(admissions="12"),                           # 11 duplicate key
        _adm(age_band="35-39", admissions=""),           # 12 blank count
        _adm(financial_year="2099/00", age_band="0-4"),  # 13 good: 2099/00 spans the century
    ])
    con = duckdb.connect()
    [result] = ingest_source(con, CONTRACTS["hospital_admissions"], tmp_path, now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (12, 3, 9)
    assert _quarantine(con) == {
        4: "financial_year does not span consecutive years",
        5: "financial_year '2023-24' is not in the expected format",
        6: "age_band '90-94' is not a known code",
        7: "sex 'U' is not a known code",
        8: "admissions '-1' is below 0",
        9: "admissions '3.5' is not a whole number",
        10: "lad_code 'E10000017' is not in the expected format",
        11: "duplicate of the record on line 2",
        12: "admissions is required but blank",
    }
    assert con.execute(
        "SELECT _line_number, financial_year, sex, admissions FROM raw.hospital_admissions "
        "ORDER BY 1"
    ).fetchall() == [(2, "2023/24", "M", 11), (3, "2023/24", "F", 0), (13, "2099/00", "M", 11)]
