"""Reference data read straight from the seed files, for the generator (which runs before
any warehouse exists). The warehouse reads the same files as dbt seeds; its model
``int_lsoas_placed`` places LSOAs the same way, and an integration test checks they agree."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.settings import REPO_ROOT

SEEDS = REPO_ROOT / "seeds" / "reference"


def placeable_partnerships(con: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """One row per English LSOA with its partnership, force, district (2019), IMD decile and
    an even share of its population area's mid-2019 population.

    A district the lookup gives one partnership places its LSOAs; the five merged
    authorities are placed by the former district that starts the LSOA name
    (seeds/README.md).
    """
    con = con or duckdb.connect()
    return con.execute(
        f"""
        WITH lookup AS (
            SELECT "lad-code" AS lad_code, "csp-code" AS csp_code, "csp-name" AS csp_name,
                   "PFA21CD" AS force_code, "PFA21NM" AS force_name
            FROM read_csv('{SEEDS / "lad_to_csp.csv"}', delim = ';', header = true)
        ),
        one_partnership AS (
            SELECT lad_code, any_value(csp_code) AS csp_code
            FROM lookup GROUP BY lad_code HAVING count(*) = 1
        ),
        partnerships AS (
            SELECT csp_code, any_value(csp_name) AS csp_name, any_value(force_code) AS force_code,
                   any_value(force_name) AS force_name
            FROM lookup GROUP BY csp_code
        ),
        lsoa AS (
            SELECT "LSOA code (2011)" AS lsoa_code,
                   "Local Authority District code (2019)" AS lad_code,
                   "Index of Multiple Deprivation (IMD) Decile" AS imd_decile,
                   regexp_replace("LSOA name (2011)", ' [0-9]{{3}}[A-Z]$', '') AS former_district
            FROM read_csv('{SEEDS / "lsoa_imd2019.csv"}', header = true)
        ),
        reconciled AS (
            SELECT former_district, partnership_code
            FROM read_csv('{SEEDS / "partnership_reconciliation.csv"}', header = true)
        ),
        changes AS (
            SELECT lad19cd, lad20cd FROM read_csv('{SEEDS / "lad_2019_to_2020.csv"}')
        ),
        pop AS (
            SELECT "Code" AS area_code, "All ages"::BIGINT AS population
            FROM read_csv('{SEEDS / "population_mye2019.csv"}', header = true)
        ),
        placed AS (
            SELECT lsoa.*, coalesce(one.csp_code, reconciled.partnership_code) AS csp_code,
                   coalesce(changes.lad20cd, lsoa.lad_code) AS population_area_code
            FROM lsoa
            LEFT JOIN one_partnership one USING (lad_code)
            LEFT JOIN reconciled
              ON one.csp_code IS NULL AND lsoa.former_district = reconciled.former_district
            LEFT JOIN changes ON lsoa.lad_code = changes.lad19cd
        )
        SELECT placed.csp_code, p.csp_name, p.force_code, p.force_name, placed.lsoa_code,
               placed.lad_code, placed.imd_decile,
               pop.population / count(*) OVER (PARTITION BY placed.population_area_code)
                   AS lsoa_population
        FROM placed
        JOIN partnerships p USING (csp_code)
        JOIN pop ON pop.area_code = placed.population_area_code
        ORDER BY placed.csp_code, placed.lsoa_code
        """
    ).df()
