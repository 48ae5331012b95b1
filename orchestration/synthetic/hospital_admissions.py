"""Synthetic ``hospital_admissions`` extracts: assault admissions as aggregate counts.

One CSV per financial year (``assault_admissions_<YYYY>-<YY>.csv``) with a count for every
local authority district of the chosen partnerships × 19 age bands × 2 sexes; a year is
written only when every one of its months lies in the generated period (hospital statistics
are shared for whole financial years).

Rates of roughly 40-60 admissions for assault (ICD-10 X85-Y09) per 100,000 residents a year,
as in Hospital Episode Statistics for England; steeply higher in deprived districts (the
OHID Fingertips indicator spans about a fourfold range), concentrated in men aged 15-44
(about three quarters of admissions are male). The age structure is England's, mid-2019,
roughly: the seed population has all ages only. Counts are Poisson around the expected rate,
drawn as numpy arrays and written by DuckDB: no Python loop over records.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from orchestration.contracts.hospital_admissions import AGE_BANDS, HOSPITAL_ADMISSIONS
from orchestration.reference import SEEDS
from orchestration.synthetic.base import GeneratedSource, GenerationContext, write_partitioned

SOURCE = HOSPITAL_ADMISSIONS.source
ORDER = 30

RATE = 50e-5  # admissions per resident per year at England's average deprivation
# Share of residents in each ESP 2013 age band, England mid-2019 (ONS MYE2, rounded).
AGE_SHARE = np.array([5.9, 6.3, 5.9, 5.5, 6.2, 6.8, 6.8, 6.6, 6.1, 6.7, 6.9, 6.4, 5.5, 5.0,
                      5.0, 3.5, 2.6, 1.6, 0.9])
MALE_SHARE = np.array([0.51] * 6 + [0.50] * 6 + [0.49, 0.49, 0.47, 0.46, 0.43, 0.38, 0.30])
# Admission rate for assault by age band relative to the whole population, men (HES shape:
# a peak at 20-34, a small one in infancy); women's rates are a fraction of men's.
MALE_RELATIVE = np.array([0.15, 0.03, 0.20, 1.40, 2.20, 2.20, 2.00, 1.70, 1.40, 1.10, 0.80,
                          0.55, 0.35, 0.20, 0.15, 0.12, 0.12, 0.12, 0.10])
FEMALE_OF_MALE = np.array([0.8, 0.6, 0.6] + [0.28] * 6 + [0.35] * 10)


def generate(ctx: GenerationContext) -> GeneratedSource:
    """Write ``landing/hospital_admissions/assault_admissions_<YYYY>-<YY>.csv``."""
    rng = ctx.rng(SOURCE)
    years = _whole_financial_years(ctx.months)
    lads = _districts(ctx)
    if not years or lads.empty:
        return GeneratedSource(SOURCE, 0, 0)
    bands = len(AGE_BANDS)
    # expected admissions per resident by band and sex (columns M, F), scaled to RATE overall
    shares = AGE_SHARE / AGE_SHARE.sum()
    per_resident = np.stack([shares * MALE_SHARE * MALE_RELATIVE,
                             shares * (1 - MALE_SHARE) * MALE_RELATIVE * FEMALE_OF_MALE], axis=1)
    per_resident *= RATE / per_resident.sum()
    level = (np.exp(-0.15 * (lads["imd_decile"].to_numpy() - 5.5))
             * rng.lognormal(0.0, 0.10, len(lads)))
    year_noise = rng.lognormal(0.0, 0.05, (len(lads), len(years)))
    expected = (
        lads["population"].to_numpy()[:, None, None, None]
        * (level[:, None] * year_noise)[:, :, None, None]
        * per_resident[None, None, :, :]
    )  # districts × years × bands × sexes
    admissions = rng.poisson(expected)
    l_idx, y_idx, b_idx, s_idx = np.indices(admissions.shape).reshape(4, -1)
    frame = pd.DataFrame({
        "lad_code": lads["lad_code"].to_numpy()[l_idx],
        "financial_year": np.array([f"{y}/{(y + 1) % 100:02d}" for y in years])[y_idx],
        "age_band": np.array(AGE_BANDS)[b_idx],
        "sex": np.array(["M", "F"])[s_idx],
        "admissions": admissions.ravel(),
        "_file": np.array([f"assault_admissions_{y}-{(y + 1) % 100:02d}" for y in years])[y_idx],
        "_order": (y_idx * len(lads) + l_idx) * bands * 2 + s_idx * bands + b_idx,
    })
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET threads = 1")
    con.register("generated", frame)
    files, _ = write_partitioned(
        con, "SELECT lad_code, financial_year, age_band, sex, admissions, _file, _order "
        "FROM generated", "_order", ctx.folder(SOURCE),
    )
    con.close()
    return GeneratedSource(SOURCE, files, len(frame))


def _whole_financial_years(months: pd.DatetimeIndex) -> list[int]:
    """Start years of the financial years (April to March) whose twelve months all lie in
    the generated period."""
    have = set(months.strftime("%Y-%m"))
    starts = sorted({m.year for m in months if m.month == 4})
    return [y for y in starts
            if all(f"{d:%Y-%m}" in have
                   for d in pd.date_range(f"{y}-04-01", periods=12, freq="MS"))]


def _districts(ctx: GenerationContext) -> pd.DataFrame:
    """The local authority districts of the chosen partnerships (from the partnership
    lookup), with their mid-2019 population and the mean IMD decile of their LSOAs."""
    con = duckdb.connect()
    con.register("chosen", ctx.lsoas[["csp_code"]].drop_duplicates())
    lads = con.execute(
        f"""
        WITH lookup AS (
            SELECT "lad-code" AS lad_code, "csp-code" AS csp_code
            FROM read_csv('{SEEDS / "lad_to_csp.csv"}', delim = ';', header = true)
        ),
        pop AS (
            SELECT "Code" AS lad_code, "All ages"::BIGINT AS population
            FROM read_csv('{SEEDS / "population_mye2019.csv"}', header = true)
        ),
        imd AS (
            SELECT "Local Authority District code (2019)" AS lad_code,
                   avg("Index of Multiple Deprivation (IMD) Decile") AS imd_decile
            FROM read_csv('{SEEDS / "lsoa_imd2019.csv"}', header = true)
            GROUP BY 1
        )
        SELECT DISTINCT lookup.lad_code, pop.population, coalesce(imd.imd_decile, 5.5)
            AS imd_decile
        FROM lookup
        JOIN chosen USING (csp_code)
        JOIN pop USING (lad_code)
        LEFT JOIN imd USING (lad_code)
        ORDER BY lookup.lad_code
        """
    ).df()
    con.close()
    return lads
