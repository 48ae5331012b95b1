"""Most Similar Groups and the age/sex population, built by real dbt from the seeds and
recomputed here independently (pandas + numpy straight from the seed CSVs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.conftest import REPO

SEEDS = REPO / "seeds" / "reference"
ONS_XLS = (REPO.parent / "shared" / "data" / "real" / "ons_population_mye2019"
           / "ukmidyearestimates20192020ladcodes.xls")
K = 15
VARIABLES = ["log10_population", "log10_people_per_sq_km", "share_aged_0_15",
             "share_aged_16_24", "share_aged_65_plus", "share_lsoas_imd_decile_1",
             "mean_imd_rank"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """``dbt build`` of the two published models and everything upstream, with their tests,
    into a fresh $PVW_HOME/warehouse.duckdb (other sources' models are not selected)."""
    home = tmp_path_factory.mktemp("msg_home")
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), "build", "--select", "+most_similar_groups", "+most_similar_group_variables",
         # only the tests whose parents are all selected (not other sources' relationships)
         "--indirect-selection", "cautious",
         "--profiles-dir", "dbt_project", "--target-path", str(home / "target"),
         "--log-path", str(home / "logs")],
        cwd=REPO, env={**os.environ, "PVW_HOME": str(home)}, capture_output=True, text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    results = json.loads((home / "target" / "run_results.json").read_text())["results"]
    assert {r["status"] for r in results} <= {"success", "pass"}
    ran = {r["unique_id"] for r in results}
    for test in ("assert_population_by_age_sex_adds_up_to_partnerships",
                 "assert_most_similar_groups_have_15_neighbours",
                 "assert_most_similar_participants_are_the_english_partnerships"):
        assert f"test.pvw.{test}" in ran
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def expected() -> dict:
    """Partnership variables and groups recomputed from the seed CSVs alone."""
    lookup = pd.read_csv(SEEDS / "lad_to_csp.csv", sep=";", dtype=str)
    one = lookup.groupby("lad-code")["csp-code"].agg(["count", "first"])
    one = one.loc[one["count"] == 1, "first"]
    lsoas = pd.read_csv(SEEDS / "lsoa_imd2019.csv")
    lsoas.columns = ["lsoa", "name", "lad19", "lad19_name", "imd_rank", "imd_decile"]
    reconciled = pd.read_csv(SEEDS / "partnership_reconciliation.csv", dtype=str)
    former = lsoas["name"].str.replace(r" \d{3}[A-Z]$", "", regex=True)
    lsoas["partnership"] = lsoas["lad19"].map(one).fillna(
        former.map(reconciled.set_index("former_district")["partnership_code"]))
    changes = pd.read_csv(SEEDS / "lad_2019_to_2020.csv", dtype=str)
    lsoas["area"] = lsoas["lad19"].map(changes.set_index("lad19cd")["lad20cd"]).fillna(
        lsoas["lad19"])
    assert lsoas["partnership"].notna().all()
    # each LSOA holds 1 / (LSOAs in its population area) of the area's people and km²
    weight = 1.0 / lsoas.groupby("area")["lsoa"].transform("count")
    share = (pd.DataFrame({"partnership": lsoas["partnership"], "area": lsoas["area"],
                           "weight": weight})
             .groupby(["partnership", "area"], as_index=False)["weight"].sum())

    ages = pd.read_csv(SEEDS / "population_mye2019_age_sex.csv", dtype={"lad_code": str})
    bands = share.merge(ages, left_on="area", right_on="lad_code")
    bands["population"] = bands["population"] * bands["weight"]
    bands = bands.groupby(["partnership", "sex", "age_band_start"])["population"].sum()

    areas = pd.read_csv(SEEDS / "lad_area_mye2019.csv").set_index("lad_code")["area_sq_km"]
    area = (share["weight"] * share["area"].map(areas)).groupby(share["partnership"]).sum()

    by_age = bands.groupby(["partnership", "age_band_start"]).sum().unstack()
    population = by_age.sum(axis=1)
    v = pd.DataFrame(index=population.index)
    v["log10_population"] = np.log10(population)
    v["log10_people_per_sq_km"] = np.log10(population / area.reindex(population.index))
    v["share_aged_0_15"] = by_age[[0, 5, 10, 15]].sum(axis=1) / population
    v["share_aged_16_24"] = by_age[[16, 20]].sum(axis=1) / population
    v["share_aged_65_plus"] = by_age[[65, 70, 75, 80, 85, 90]].sum(axis=1) / population
    deprived = lsoas.groupby("partnership")
    v["share_lsoas_imd_decile_1"] = deprived["imd_decile"].apply(lambda d: (d == 1).mean())
    v["mean_imd_rank"] = deprived["imd_rank"].mean()
    v = v.sort_index()

    x = v[VARIABLES].to_numpy()
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    distance = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(distance, np.inf)
    codes = v.index.to_numpy()
    # nearest first; equal distances by code (codes are sorted, so by position)
    order = np.array([np.lexsort((np.arange(len(codes)), row))[:K] for row in distance])
    groups = {codes[i]: list(codes[order[i]]) for i in range(len(codes))}
    distances = {codes[i]: distance[i, order[i]] for i in range(len(codes))}
    return {"bands": bands, "variables": v, "z": z, "groups": groups, "distances": distances,
            "population": population}


def test_every_english_partnership_takes_part_and_no_welsh_one(
        warehouse: duckdb.DuckDBPyConnection, expected: dict) -> None:
    takes_part = {c for (c,) in warehouse.execute(
        "SELECT partnership_code FROM analytics.most_similar_group_variables").fetchall()}
    with_lsoas = {c for (c,) in warehouse.execute(
        "SELECT partnership_code FROM marts.dim_partnerships WHERE lsoas > 0").fetchall()}
    assert takes_part == with_lsoas == set(expected["groups"])
    assert len(takes_part) == 293  # 314 partnerships in the lookup, 21 of them Welsh
    assert not any(c.startswith("W") for c in takes_part)


def test_age_sex_bands_add_up_to_the_partnership_population(
        warehouse: duckdb.DuckDBPyConnection, expected: dict) -> None:
    got = warehouse.execute(
        """
        SELECT p.partnership_code, p.population, sum(b.population), count(*)
        FROM marts.dim_partnerships p
        JOIN intermediate.int_partnership_population_by_age_sex b USING (partnership_code)
        GROUP BY ALL
        """
    ).fetchall()
    assert len(got) == 293
    for code, population, bands_total, rows in got:
        assert rows == 40, code  # 20 bands x 2 sexes
        assert abs(bands_total - population) <= 1, code
        assert bands_total == pytest.approx(expected["population"][code], abs=1e-6)
    england = warehouse.execute(
        "SELECT sum(population) FROM intermediate.int_partnership_population_by_age_sex"
    ).fetchone()[0]
    assert england == pytest.approx(56_286_961, abs=1e-3)  # England, mid-2019
    # every band matches the independent apportionment
    bands = warehouse.execute(
        "SELECT partnership_code, sex, age_band_start, population "
        "FROM intermediate.int_partnership_population_by_age_sex"
    ).df().set_index(["partnership_code", "sex", "age_band_start"])["population"]
    expected_bands = expected["bands"].rename_axis(bands.index.names)
    pd.testing.assert_series_equal(bands.sort_index(), expected_bands.sort_index(),
                                   check_names=False, check_index_type=False, rtol=1e-12)


def test_esp_bands_and_weights(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.execute(
        "SELECT DISTINCT age_band_start, age_band_end, esp_age_band, esp_weight "
        "FROM intermediate.int_partnership_population_by_age_sex ORDER BY 1"
    ).fetchall()
    assert [r[2] for r in rows][:6] == ["0-4", "5-9", "10-14", "15-19", "15-19", "20-24"]
    assert rows[3][:2] == (15, 15) and rows[4][:2] == (16, 19)
    assert rows[-1] == (90, None, "90+", 1000)
    weights = dict((band, weight) for _, _, band, weight in rows)
    assert len(weights) == 19 and sum(weights.values()) == 100_000


def test_variables_match_the_independent_computation(
        warehouse: duckdb.DuckDBPyConnection, expected: dict) -> None:
    got = warehouse.execute(
        "SELECT * FROM analytics.most_similar_group_variables ORDER BY partnership_code"
    ).df().set_index("partnership_code")
    v = expected["variables"]
    assert list(got.index) == list(v.index)
    np.testing.assert_allclose(got[VARIABLES].to_numpy(), v[VARIABLES].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(got[[f"z_{c}" for c in VARIABLES]].to_numpy(), expected["z"],
                               rtol=1e-9, atol=1e-12)


def test_groups_are_the_15_nearest_recomputed_in_numpy(
        warehouse: duckdb.DuckDBPyConnection, expected: dict) -> None:
    rows = warehouse.execute(
        "SELECT partnership_code, neighbour_rank, similar_partnership_code, distance "
        "FROM analytics.most_similar_groups ORDER BY partnership_code, neighbour_rank"
    ).fetchall()
    got: dict[str, list[str]] = {}
    distances: dict[str, list[float]] = {}
    for code, rank, similar, distance in rows:
        assert rank == len(got.setdefault(code, [])) + 1
        got[code].append(similar)
        distances.setdefault(code, []).append(distance)
    assert got == expected["groups"]
    for code, d in distances.items():
        np.testing.assert_allclose(d, expected["distances"][code], rtol=1e-9)
    # a worked example: Blackburn with Darwen's group
    assert got["E22000150"][:2] == ["E22000102", "E22000103"]  # Oldham, Rochdale


@pytest.mark.skipif(not ONS_XLS.exists(), reason="the ONS workbook is not beside the repo")
def test_the_seeds_are_what_the_builder_writes(tmp_path: Path) -> None:
    from orchestration.reference_data.ons_population import build

    (tmp_path / "population_mye2019.csv").write_bytes(
        (SEEDS / "population_mye2019.csv").read_bytes())
    assert build(ONS_XLS, tmp_path) == (314 * 2 * 20, 314)
    for name in ("population_mye2019_age_sex.csv", "lad_area_mye2019.csv"):
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), name
