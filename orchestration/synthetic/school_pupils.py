"""Synthetic ``school_pupils`` extracts: pupils on roll per district at each January census.

About 15% of residents are pupils at state-funded schools (8.4 million pupils in England in
January 2023 against 57 million residents: 15%). Each district keeps its own share (a little
noise around 15%) and drifts by a fraction of a per cent a year. One file per academic year
that overlaps the generated period, named by its January census: ``census_<YYYY>-01.csv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.contracts.school_pupils import SCHOOL_PUPILS
from orchestration.synthetic.base import GeneratedSource, GenerationContext
from orchestration.synthetic.probation_caseload import with_districts, write_frame

SOURCE = SCHOOL_PUPILS.source
ORDER = 49

PUPIL_SHARE = 0.15


def academic_year(months: pd.DatetimeIndex) -> np.ndarray:
    """The year in which each month's academic year (September to August) begins."""
    return (months.year - (months.month < 9)).to_numpy()


def pupil_counts(ctx: GenerationContext) -> pd.DataFrame:
    """Pupils per district (lad_code, with its upper-tier la_code) and academic year
    (``year``: the year it begins), for every academic year overlapping the period.
    Deterministic for the seed; school_exclusions reads the same counts."""
    rng = ctx.rng(SOURCE)
    lsoas = with_districts(ctx.lsoas)
    districts = (lsoas.groupby(["lad_code", "la_code"], sort=True)["lsoa_population"].sum()
                 .reset_index())
    years = np.arange(academic_year(ctx.months).min(), academic_year(ctx.months).max() + 1)
    share = PUPIL_SHARE * rng.lognormal(0.0, 0.04, len(districts))
    drift = rng.normal(0.002, 0.006, len(districts))
    pupils = (districts["lsoa_population"].to_numpy()[:, None] * share[:, None]
              * (1 + drift[:, None]) ** (years - years[0])[None, :])
    return pd.DataFrame({
        "lad_code": np.repeat(districts["lad_code"].to_numpy(), len(years)),
        "la_code": np.repeat(districts["la_code"].to_numpy(), len(years)),
        "year": np.tile(years, len(districts)),
        "pupils": np.round(pupils.ravel()).astype(np.int64),
    })


def generate(ctx: GenerationContext) -> GeneratedSource:
    """Write ``landing/school_pupils/census_<YYYY>-01.csv`` per academic year."""
    counts = pupil_counts(ctx)
    counts["_seq"] = np.arange(len(counts))
    return write_frame(
        counts, ctx.folder(SOURCE),
        """
        SELECT lad_code, year::VARCHAR || '/' || lpad(((year + 1) % 100)::VARCHAR, 2, '0')
                   AS academic_year,
               pupils, 'census_' || (year + 1)::VARCHAR || '-01' AS _file, _seq
        FROM generated
        """,
        order="_file, lad_code, _seq",
    )
