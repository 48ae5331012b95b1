"""Synthetic ``ambulance`` extracts: incidents coded as assault, one CSV per area per month.

About 2-3 assault incidents per 1,000 residents a year (ambulance services attend roughly
half of the assaults that reach an emergency department), with the same summer and
weekend-night peaks as ED data. Categories: stabbings about 6%, shootings well under 1%,
sexual assaults about 5%, the rest other assaults; stabbings and shootings are nearly always
conveyed to hospital, other assaults about three times in five. About 8% of incidents could
not be geocoded to an LSOA.

English ambulance services cover several police force areas each; these extracts use the
police force area code (E23…) as a stand-in for the service area code, so the files are
``<force_code>_<YYYY-MM>.csv``. Numpy arrays written by DuckDB: no Python loop over records.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from orchestration.contracts.ambulance import AMBULANCE
from orchestration.synthetic.ae_istv import DAY_HOURS, NIGHT_HOURS, SEASON
from orchestration.synthetic.base import (
    GeneratedSource,
    GenerationContext,
    monthly_counts,
    place_events,
    times_in_month,
    write_partitioned,
)

SOURCE = AMBULANCE.source
ORDER = 20

ANNUAL_RATE = 0.0022  # assault incidents per resident per year, before deprivation
CATEGORIES = np.array(["stabbing", "shooting", "sexual_assault", "other_assault"])
CATEGORY_P = np.array([0.06, 0.003, 0.05, 0.887])
CONVEYED_P = np.array([0.92, 0.95, 0.50, 0.60])  # share conveyed to hospital, by category
NO_LSOA_SHARE = 0.08


def generate(ctx: GenerationContext) -> GeneratedSource:
    """Write ``landing/ambulance/<force_code>_<YYYY-MM>.csv`` for the chosen partnerships."""
    rng = ctx.rng(SOURCE)
    lsoas = ctx.lsoas
    month_starts = ctx.months
    n = monthly_counts(lsoas, month_starts, ANNUAL_RATE, SEASON, 0.10, rng)
    events = place_events(lsoas, n, rng)
    lsoa_row, total = events.lsoa_row, len(events.lsoa_row)
    call_at, _ = times_in_month(month_starts, events.m_idx, rng, (0.55, 0.15), DAY_HOURS,
                                NIGHT_HOURS)
    category = rng.choice(len(CATEGORIES), size=total, p=CATEGORY_P / CATEGORY_P.sum())
    conveyed = rng.random(total) < CONVEYED_P[category]
    frame = pd.DataFrame({
        "service_area_code": lsoas["force_code"].to_numpy()[lsoa_row],
        "call_at": call_at,
        "incident_category": CATEGORIES[category],
        "lsoa_code": np.where(rng.random(total) < NO_LSOA_SHARE, None,
                              lsoas["lsoa_code"].to_numpy()[lsoa_row]),
        "conveyed": conveyed,
        "_seq": np.arange(total),
    })
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET threads = 1")
    con.register("generated", frame)
    last_day = (month_starts[-1] + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
    extract = f"""
        SELECT
            service_area_code,
            strftime(call_at, '%Y%m') || '-' || lpad(row_number() OVER (
                PARTITION BY service_area_code, strftime(call_at, '%Y-%m')
                ORDER BY call_at, _seq)::VARCHAR, 6, '0') AS incident_id,
            strftime(call_at, '%Y-%m-%d %H:%M') AS call_at,
            incident_category,
            lsoa_code,
            CASE WHEN conveyed THEN 'Y' ELSE 'N' END AS conveyed_flag,
            service_area_code || '_' || strftime(call_at, '%Y-%m') AS _file
        FROM generated
        WHERE call_at <= TIMESTAMP '{last_day} 23:59'
    """
    files, rows = write_partitioned(
        con, extract, "_file, call_at, incident_id", ctx.folder(SOURCE))
    con.close()
    return GeneratedSource(SOURCE, files, rows)
