"""Reference data read straight from the seed files, for the generator (which runs before
any warehouse exists). The warehouse itself reads the same files as dbt seeds."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.settings import REPO_ROOT

SEEDS = REPO_ROOT / "seeds" / "reference"


def placeable_partnerships(con: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """Partnerships whose LSOAs can be placed: one row per LSOA with its partnership, force
    and an even share of its local authority's mid-2019 population.

    Local authorities that map to several partnerships in the lookup are left out (see
    seeds/README.md) so that every generated record can be placed unambiguously.
    """
    con = con or duckdb.connect()
    return con.execute(
        f"""
        WITH csp AS (
            SELECT "lad-code" AS lad_code, "csp-code" AS csp_code, "csp-name" AS csp_name,
                   "PFA21CD" AS force_code, "PFA21NM" AS force_name
            FROM read_csv('{SEEDS / "lad_to_csp.csv"}', delim = ';', header = true)
            QUALIFY count(*) OVER (PARTITION BY "lad-code") = 1
        ),
        lsoa AS (
            SELECT "LSOA code (2011)" AS lsoa_code,
                   "Local Authority District code (2019)" AS lad_code,
                   "Index of Multiple Deprivation (IMD) Decile" AS imd_decile
            FROM read_csv('{SEEDS / "lsoa_imd2019.csv"}', header = true)
        ),
        pop AS (
            SELECT "Code" AS lad_code, "All ages"::BIGINT AS population
            FROM read_csv('{SEEDS / "population_mye2019.csv"}', header = true)
        )
        SELECT csp.csp_code, csp.csp_name, csp.force_code, csp.force_name, lsoa.lsoa_code,
               lsoa.imd_decile,
               pop.population / count(*) OVER (PARTITION BY lsoa.lad_code) AS lsoa_population
        FROM lsoa
        JOIN csp USING (lad_code)
        JOIN pop USING (lad_code)
        ORDER BY csp.csp_code, lsoa.lsoa_code
        """
    ).df()
