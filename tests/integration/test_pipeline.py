"""The walking skeleton end to end: generate → Dagster job → dbt → checks → publish."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.settings import DEMO_MONTHS
from tests.conftest import REPO, run_pvw

pytestmark = pytest.mark.integration

EXPECTED_ASSETS = {
    # ingest: one asset per source
    "police_crimes", "policeuk_street", "ae_istv", "ambulance", "hospital_admissions",
    "dfe_exclusions_la", "dfe_attendance_la", "probation_caseload", "probation_reoffending",
    "school_pupils", "school_exclusions", "marac_cases",
    # dbt: reference seeds, staging, intermediate, marts, analytics
    "reference/lad_2019_to_2020", "reference/lad_to_csp", "reference/lad_to_region_2020",
    "reference/lsoa_imd2019", "reference/offence_classification",
    "reference/partnership_reconciliation", "reference/population_mye2019",
    "reference/population_mye2019_age_sex", "reference/lad_area_mye2019", "reference/esp2013",
    "reference/indicator_catalogue", "reference/poisson_exact_limits",
    "staging/stg_reference__population_by_age_sex", "staging/stg_reference__lad_areas",
    "staging/stg_reference__indicator_catalogue",
    "intermediate/int_partnership_population_by_age_sex",
    "intermediate/int_partnership_similarity_variables", "intermediate/int_ae_sites_placed",
    "intermediate/int_ae_attendances_police_matched", "intermediate/int_indicator_periods",
    "intermediate/int_indicator_monthly_counts", "intermediate/int_indicator_period_counts",
    "intermediate/int_indicator_area_counts", "intermediate/int_indicator_values_computed",
    "intermediate/int_indicator_trends",
    "analytics/most_similar_groups", "analytics/most_similar_group_variables",
    "analytics/funnel_limits", "analytics/vap_by_partnership_year",
    # the loader's own tables, and what the dashboards read
    "ops/load_log", "ops/quarantine", "staging/stg_ops__load_log", "staging/stg_ops__quarantine",
    "analytics/data_sharing_arrivals", "analytics/data_sharing_field_completeness",
    "analytics/data_sharing_files", "analytics/data_sharing_quarantine_reasons",
    "analytics/england_indicator_trend", "analytics/funnel_plot_points",
    "analytics/indicator_league_table", "analytics/indicator_spine",
    "analytics/most_similar_group_members", "analytics/violence_by_hour_and_day",
    "analytics/violence_by_method_and_place", "analytics/violence_by_month",
    "analytics/violence_hotspot_lsoas", "analytics/violence_unseen_by_police",
    "analytics/marac_cases_by_partnership_month",
    "analytics/offenders_victims_young_people_indicators",
    "analytics/probation_caseload_by_rosh_month", "analytics/school_assault_exclusions_by_year",
    "analytics/data_sharing_volumes", "reference/accepted_volume_changes",

    "staging/stg_police__crimes", "staging/stg_policeuk__street_crimes",
    "staging/stg_ae_istv__attendances", "staging/stg_ambulance__incidents",
    "staging/stg_hospital_admissions__admissions", "staging/stg_dfe_attendance_la__attendance",
    "staging/stg_dfe_exclusions_la__exclusions", "staging/stg_reference__lad_regions",
    "staging/stg_reference__lad_to_csp", "staging/stg_reference__lsoas",
    "staging/stg_reference__population", "staging/stg_probation_caseload__snapshots",
    "staging/stg_probation_reoffending__cohort", "staging/stg_school_pupils__pupil_counts",
    "staging/stg_school_exclusions__exclusions", "staging/stg_marac_cases__cases",
    "intermediate/int_lads_placed", "intermediate/int_lsoas_placed",
    "intermediate/int_ae_attendances_placed", "intermediate/int_ambulance_incidents_placed",
    "intermediate/int_hospital_admissions_placed", "intermediate/int_dfe_las_placed",
    "intermediate/int_dfe_attendance_by_la", "intermediate/int_dfe_exclusions_by_la",
    "intermediate/int_proven_reoffending_placed", "intermediate/int_school_pupils_placed",
    "intermediate/int_marac_cases_placed",
    "marts/dim_partnerships", "marts/fct_police_crimes", "marts/fct_policeuk_crimes",
    "marts/fct_ae_assault_attendances", "marts/fct_ambulance_assaults",
    "marts/fct_hospital_admissions", "marts/fct_dfe_attendance_by_la",
    "marts/fct_dfe_exclusions_by_la", "marts/fct_probation_caseload",
    "marts/fct_proven_reoffending", "marts/fct_school_exclusions", "marts/fct_school_pupils",
    "marts/fct_marac_cases",
    "analytics/indicator_values", "analytics/police_crimes",
    "analytics/ae_assault_attendances", "analytics/ambulance_assaults",
    "analytics/hospital_admissions", "analytics/probation_caseload",
    "analytics/school_exclusions", "analytics/marac_cases",
    # publish
    "serving_database",
}


def _definitions() -> dg.Definitions:
    from orchestration.definitions import defs

    return defs


def test_definitions_load_with_the_expected_asset_graph(published_home: Path) -> None:
    # published_home ran `dbt parse`, so the manifest the definitions read exists
    graph = _definitions().resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == EXPECTED_ASSETS
    parents = {p.to_user_string() for p in graph.get(dg.AssetKey("serving_database")).parent_keys}
    # publishing waits for every dbt model
    assert parents == {k for k in EXPECTED_ASSETS if "/" in k and not k.startswith("ops/")}
    checks = {c.to_user_string() for c in graph.asset_check_keys}
    assert "analytics/indicator_values:great_expectations_indicator_values" in checks
    assert sum(1 for c in checks if c.startswith("analytics/indicator_values:")) >= 8
    assert "police_crimes:quarantine_below_5_percent" in checks
    assert _definitions().resolve_job_def("pvw_build") is not None
    assert _definitions().resolve_sensor_def("landing_sensor") is not None
    assert _definitions().resolve_schedule_def("monthly_build") is not None


def test_the_run_materialised_every_asset_and_is_recorded(published_home: Path) -> None:
    instance = dg.DagsterInstance.from_config(str(published_home / "dagster"))
    # the fixture's run, and the rebuild that tests/browser/test_refresh_under_load.py may
    # have run since (newest first): every one a successful pvw_build
    runs = instance.get_runs()
    assert 1 <= len(runs) <= 2, runs
    assert {(r.job_name, r.status) for r in runs} == {("pvw_build", dg.DagsterRunStatus.SUCCESS)}
    for key in EXPECTED_ASSETS:
        event = instance.get_latest_materialization_event(dg.AssetKey.from_user_string(key))
        assert event is not None and event.run_id == runs[0].run_id, key
    ingest = instance.get_latest_materialization_event(dg.AssetKey("police_crimes"))
    meta = ingest.asset_materialization.metadata
    assert meta["files_new"].value == DEMO_MONTHS  # one force's monthly files
    assert meta["rows_read"].value == meta["rows_loaded"].value + meta["rows_quarantined"].value


def test_serving_database_is_published_whole_and_readable(published_home: Path) -> None:
    serving = published_home / "serving.duckdb"
    assert serving.exists()
    assert not (published_home / "serving.duckdb.wal").exists()
    assert not (published_home / "serving.duckdb.next").exists()
    con = duckdb.connect(str(serving), read_only=True)
    rows = con.execute(
        "SELECT area_code, period_label, numerator, denominator, value "
        "FROM analytics.indicator_values WHERE indicator_id = 'vap_per_1000' "
        "AND area_type = 'partnership' AND period_type = 'financial_year' ORDER BY 1, 2"
    ).fetchall()
    # five demo partnerships x five complete financial years
    assert len(rows) == 25
    assert {r[1] for r in rows} == {"2019/20", "2020/21", "2021/22", "2022/23", "2023/24"}
    for _, _, numerator, denominator, value in rows:
        assert value == pytest.approx(numerator * 1000 / denominator)
    log = con.execute(
        "SELECT count(*), sum(rows_read), sum(rows_loaded + rows_quarantined) FROM ops.load_log "
        "WHERE status = 'loaded'"
    ).fetchone()
    assert log[0] > 24 and log[1] == log[2]


def test_indicator_recomputed_from_the_landing_files(published_home: Path) -> None:
    """An independent count straight from the extracts and the seed files agrees."""
    seeds = REPO / "seeds" / "reference"
    con = duckdb.connect()
    expected = con.execute(
        f"""
        WITH lad AS (
            SELECT "lad-code" AS lad, any_value("csp-code") AS csp
            FROM read_csv('{seeds}/lad_to_csp.csv', delim = ';') GROUP BY 1 HAVING count(*) = 1
        ), lsoa AS (
            SELECT "LSOA code (2011)" AS lsoa, csp
            FROM read_csv('{seeds}/lsoa_imd2019.csv') JOIN lad
              ON "Local Authority District code (2019)" = lad
        )
        SELECT csp,
               CASE WHEN month(recorded_date::DATE) >= 4 THEN year(recorded_date::DATE)
                    ELSE year(recorded_date::DATE) - 1 END AS fy,
               count(*)
        FROM read_csv('{published_home}/landing/police_crimes/*.csv', all_varchar = true) c
        JOIN lsoa ON c.lsoa_code = lsoa.lsoa
        WHERE offence_group = 'VAP'
        GROUP BY ALL ORDER BY 1, 2
        """
    ).fetchall()
    served = duckdb.connect(str(published_home / "serving.duckdb"), read_only=True)
    got = served.execute(
        "SELECT area_code, year(period_start), numerator FROM analytics.indicator_values "
        "WHERE indicator_id = 'vap_per_1000' AND area_type = 'partnership' "
        "AND period_type = 'financial_year' ORDER BY 1, 2"
    ).fetchall()
    assert got == expected


def test_dbt_build_with_its_tests_on_the_demo_data(published_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(published_home / "warehouse.duckdb", home / "warehouse.duckdb")
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), "build", "--profiles-dir", "dbt_project", "--target-path",
         str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=REPO, env={**os.environ, "PVW_HOME": str(home)}, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    # exposures (the dashboards) are declared, not built: dbt reports them as no-op
    statuses = {r["status"] for r in results if not r["unique_id"].startswith("exposure.")}
    tests = [r for r in results if r["unique_id"].startswith(("test.", "unit_test."))]
    assert statuses <= {"success", "pass"}
    assert len(tests) >= 30


def _add_implausible_month_files(landing: Path) -> None:
    """Twelve monthly files putting 5,000 violent crimes a month in one LSOA of the smallest
    partnership: a rate no partnership has, which the quality gate must stop."""
    from orchestration.reference import placeable_partnerships

    lsoas = placeable_partnerships()
    pop = lsoas.groupby(["csp_code", "force_code"])["lsoa_population"].sum().sort_values()
    csp, force = pop.index[0]
    lsoa = lsoas[lsoas.csp_code == csp].lsoa_code.iloc[0]
    con = duckdb.connect()
    for m in range(12):
        month = f"{2022 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}"
        con.execute(
            f"""
            COPY (
                SELECT 'ZZ/{month}/' || lpad(i::VARCHAR, 6, '0') AS crime_reference,
                       '{force}' AS force_code, '{month}-15' AS recorded_date,
                       '{month}-14 22:00' AS occurred_at, 'VAP' AS offence_group,
                       'VAP_VWO' AS offence_subgroup, '105A' AS ho_offence_code,
                       '{lsoa}' AS lsoa_code, 'street' AS location_type,
                       'N' AS domestic_abuse_flag, 'N' AS alcohol_flag, 'N' AS knife_flag,
                       30 AS victim_age, 'M' AS victim_sex, 'no_suspect' AS outcome
                FROM range(5000) t(i)
            ) TO '{landing}/police_crimes/{force}_{month}.csv' (HEADER)
            """
        )


def _cut_police_month(landing: Path, month: str, keep: float) -> None:
    """Re-send one month's police extract with only ``keep`` of its rows (a file cut short at
    the force): it supersedes the loaded one, and the volume check must stop publishing."""
    path = landing / "police_crimes" / f"E23000003_{month}.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[: 1 + int((len(lines) - 1) * keep)]))


def test_failed_quality_check_publishes_nothing(published_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(published_home, home, ignore=shutil.ignore_patterns("landing"))
    landing = tmp_path / "landing"
    shutil.copytree(published_home / "landing", landing)
    _add_implausible_month_files(landing)
    _cut_police_month(landing, "2023-09", keep=0.3)
    before = hashlib.sha256((home / "serving.duckdb").read_bytes()).hexdigest()
    with duckdb.connect(str(home / "serving.duckdb"), read_only=True) as served:
        published_rows = served.execute(
            "SELECT count(*) FROM analytics.indicator_values").fetchone()[0]

    proc = run_pvw(home, "run", "--landing", str(landing), check=False)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "pvw: error: nothing published:" in proc.stderr
    assert "great_expectations_indicator_values" in proc.stderr
    assert "value:" in proc.stderr  # the failing expectation says which column and why
    # the volume check names the extract, the partnership and the month
    assert "volume_police_extracts (police_crimes for " in proc.stderr
    assert " 2023-09: " in proc.stderr and "usual" in proc.stderr
    assert hashlib.sha256((home / "serving.duckdb").read_bytes()).hexdigest() == before
    served = duckdb.connect(str(home / "serving.duckdb"), read_only=True)
    assert served.execute(
        "SELECT count(*) FROM analytics.indicator_values").fetchone()[0] == published_rows
    # the refusal is recorded with every check result, and `pvw publish` will not override it
    from orchestration.publish import history

    with history(home) as con:
        outcome, failed = con.execute(
            "SELECT outcome, checks_failed FROM ops.publish_log "
            "ORDER BY logged_at DESC, rowid DESC LIMIT 1").fetchone()
        checked = dict(con.execute(
            "SELECT check_name, passed FROM ops.check_results WHERE run_id = "
            "(SELECT run_id FROM ops.publish_log ORDER BY logged_at DESC, rowid DESC LIMIT 1)"
        ).fetchall())
    assert outcome == "refused"
    assert set(failed.split("; ")) == {"great_expectations_indicator_values",
                                       "volume_police_extracts"}
    assert checked["volume_police_extracts"] is False and len(checked) > 100
    proc = run_pvw(home, "publish", check=False)
    assert proc.returncode == 1 and "was refused" in proc.stderr


def test_cli_failures_are_one_line(tmp_path: Path) -> None:
    proc = run_pvw(tmp_path, "publish", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"pvw: error: no build database at {tmp_path / 'warehouse.duckdb'}: "
        "run the pipeline first"
    )
    proc = run_pvw(tmp_path, "generate", "--partnerships", "E22999999", check=False)
    assert proc.returncode == 1
    assert "unknown or unplaceable partnership code(s): E22999999" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_second_run_refuses_while_one_holds_the_build(tmp_path: Path) -> None:
    with (tmp_path / ".run.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = run_pvw(tmp_path, "run", check=False)
    assert proc.returncode == 1
    assert "another pvw run is using" in proc.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_generator_places_lsoas_as_the_warehouse_does(published_home: Path) -> None:
    from orchestration.reference import placeable_partnerships

    generator = placeable_partnerships()
    served = duckdb.connect(str(published_home / "serving.duckdb"), read_only=True)
    warehouse = served.execute(
        "SELECT lsoa_code, partnership_code, population_share "
        "FROM intermediate.int_lsoas_placed ORDER BY 1"
    ).df()
    merged = generator.merge(warehouse, on="lsoa_code", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["csp_code"] == merged["partnership_code"]).all()
    assert (merged["lsoa_population"] - merged["population_share"]).abs().max() < 1e-6
