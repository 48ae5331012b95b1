"""Synthetic ``police_crimes`` extracts: one CSV per force per month, in the contract's format.

Volumes follow each partnership's real population, with seasonality (a summer peak), the
weekend night-time-economy peak in public places and licensed premises, and domestic, alcohol
and knife shares of the order that English forces record. Everything is drawn as whole numpy
arrays and written by DuckDB in one partitioned pass: no Python loop over records.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from orchestration.contracts.police_crimes import POLICE_CRIMES
from orchestration.synthetic.base import (
    GeneratedSource,
    GenerationContext,
    monthly_counts,
    place_events,
    times_in_month,
    write_partitioned,
)

# Subgroup shares of all generated crimes (England and Wales, police recorded crime, roughly).
SUBGROUP_SHARES: dict[str, float] = {
    "VAP_HOM": 0.0004,
    "VAP_DSI": 0.0006,
    "VAP_VWI": 0.205,
    "VAP_VWO": 0.255,
    "VAP_SH": 0.190,
    "SEX_RAPE": 0.027,
    "SEX_OTH": 0.040,
    "ROB_PER": 0.032,
    "ROB_BUS": 0.004,
    "POW_BLA": 0.013,
    "POW_FIR": 0.002,
    "POW_OTH": 0.006,
    "PUB_ORD": 0.229,
}
HO_CODES = {
    "VAP_HOM": "1", "VAP_DSI": "4", "VAP_VWI": "8N", "VAP_VWO": "105A", "VAP_SH": "8Q",
    "SEX_RAPE": "19C", "SEX_OTH": "17A", "ROB_PER": "34B", "ROB_BUS": "34A", "POW_BLA": "10C",
    "POW_FIR": "81", "POW_OTH": "10A", "PUB_ORD": "9A",
}
# Recorded crimes in these groups per resident per year (about 55 per 1,000, so that
# violence against the person comes to about 35 per 1,000 as in England).
ANNUAL_RATE = 0.055
# Monthly seasonality, January..December: violence peaks in early summer.
SEASON = np.array([0.90, 0.86, 0.95, 0.97, 1.06, 1.08, 1.10, 1.07, 1.02, 1.01, 0.98, 1.00])
# Hour of day weights for violence: in general, and in the night-time economy.
DAY_HOURS = np.array([0.5, 0.4, 0.3, 0.2, 0.2, 0.3, 0.6, 1, 1.3, 1.4, 1.5, 1.6, 1.8, 1.8,
                      1.9, 2.1, 2.3, 2.4, 2.4, 2.3, 2.1, 1.8, 1.3, 0.8])
NIGHT_HOURS = np.array([2.6, 2.3, 1.6, 0.8, 0.3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 0.3, 0.8, 1.4, 2.0, 2.5])
OUTCOMES = ["charged", "cautioned", "community_resolution", "evidential_difficulties",
            "no_suspect", "under_investigation", "other"]
OUTCOME_P = [0.07, 0.01, 0.03, 0.45, 0.22, 0.12, 0.10]


SOURCE = POLICE_CRIMES.source
ORDER = 0


def generate(ctx: GenerationContext) -> GeneratedSource:
    """Write ``landing/police_crimes/<force_code>_<YYYY-MM>.csv`` for the chosen partnerships.

    A force's files are written whole by one batch; batches of about five million residents
    keep memory flat however many partnerships are asked for.
    """
    rng = ctx.rng(SOURCE)
    files = rows = 0
    for batch in _force_batches(ctx.lsoas):
        part = _generate_batch(batch, ctx.folder(SOURCE), ctx.months, rng)
        files, rows = files + part.files, rows + part.rows
    return GeneratedSource(SOURCE, files, rows)


def _force_batches(lsoas: pd.DataFrame, residents: float = 5e6) -> list[pd.DataFrame]:
    by_force = lsoas.groupby("force_code", sort=True)["lsoa_population"].sum()
    batch_of = (by_force.cumsum() // residents).rename("batch")
    merged = lsoas.merge(batch_of, left_on="force_code", right_index=True)
    return [g.drop(columns="batch").reset_index(drop=True) for _, g in merged.groupby("batch")]


def _generate_batch(
    lsoas: pd.DataFrame, folder: Path, month_starts: pd.DatetimeIndex, rng: np.random.Generator
) -> GeneratedSource:
    # Each partnership has its own level of violence around the national rate: higher
    # where deprivation is higher, plus noise.
    n = monthly_counts(lsoas, month_starts, ANNUAL_RATE, SEASON, 0.12, rng)
    events = place_events(lsoas, n, rng)
    partnerships, p_idx, m_idx, lsoa_row = (
        events.partnerships, events.p_idx, events.m_idx, events.lsoa_row)
    total = len(p_idx)
    subgroups = np.array(list(SUBGROUP_SHARES))
    shares = np.array(list(SUBGROUP_SHARES.values()))
    subgroup = subgroups[rng.choice(len(subgroups), size=total, p=shares / shares.sum())]
    is_vap = np.char.startswith(subgroup.astype(str), "VAP")

    # When: a day in the month, then an hour; Friday and Saturday nights carry the
    # night-time economy (street and licensed premises violence, often alcohol related).
    occurred, nte = times_in_month(month_starts, m_idx, rng, (0.45, 0.10), DAY_HOURS,
                                   NIGHT_HOURS, eligible=is_vap)
    lag = rng.geometric(0.55, total) - 1  # days between offence and recording
    recorded = occurred.astype("datetime64[D]") + lag.astype("timedelta64[D]")

    domestic = is_vap & ~nte & (rng.random(total) < 0.42)
    location = np.where(
        nte,
        np.where(rng.random(total) < 0.4, "licensed_premises", "street"),
        np.where(
            domestic,
            "dwelling",
            np.array(["street", "dwelling", "school", "transport", "other", "licensed_premises"])[
                rng.choice(6, size=total, p=[0.42, 0.28, 0.06, 0.06, 0.14, 0.04])
            ],
        ),
    )
    knife_p = np.select(
        [subgroup == "POW_BLA", np.char.startswith(subgroup.astype(str), "ROB"),
         subgroup == "VAP_HOM", subgroup == "VAP_VWI"],
        [1.0, 0.22, 0.40, 0.05],
        0.01,
    )
    knife = rng.random(total) < knife_p
    alcohol = rng.random(total) < np.where(nte, 0.55, np.where(domestic, 0.25, 0.08))
    age = np.clip(np.round(rng.gamma(5.0, 6.5, total) + 8), 0, 95).astype(np.int64)
    sex = np.where(rng.random(total) < np.where(domestic, 0.75, 0.45), "F", "M")
    outcome = np.array(OUTCOMES)[rng.choice(len(OUTCOMES), size=total, p=OUTCOME_P)]

    frame = pd.DataFrame(
        {
            "csp_code": partnerships[p_idx],
            "force_code": lsoas["force_code"].to_numpy()[lsoa_row],
            "lsoa_code": lsoas["lsoa_code"].to_numpy()[lsoa_row],
            "recorded_date": recorded,
            "occurred_at": occurred,
            "offence_subgroup": subgroup,
            "location_type": location,
            "domestic": domestic,
            "alcohol": alcohol,
            "knife": knife,
            "victim_age": age,
            "victim_sex": sex,
            "outcome": outcome,
            "_seq": np.arange(total),  # breaks ties so references are the same every run
        }
    )
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("generated", frame)
    ho = "CASE offence_subgroup " + " ".join(
        f"WHEN '{k}' THEN '{v}'" for k, v in HO_CODES.items()) + " END"
    last_day = (month_starts[-1] + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
    con.execute(
        f"""
        CREATE TABLE extract AS
        SELECT
            force_code || '/' || strftime(recorded_date, '%Y%m') || '/'
                || lpad(row_number() OVER (
                       PARTITION BY force_code, strftime(recorded_date, '%Y%m')
                       ORDER BY occurred_at, lsoa_code, _seq)::VARCHAR, 6, '0') AS crime_reference,
            force_code,
            strftime(recorded_date, '%Y-%m-%d') AS recorded_date,
            strftime(occurred_at, '%Y-%m-%d %H:%M') AS occurred_at,
            split_part(offence_subgroup, '_', 1) AS offence_group,
            offence_subgroup,
            {ho} AS ho_offence_code,
            lsoa_code,
            location_type,
            CASE WHEN domestic THEN 'Y' ELSE 'N' END AS domestic_abuse_flag,
            CASE WHEN alcohol THEN 'Y' ELSE 'N' END AS alcohol_flag,
            CASE WHEN knife THEN 'Y' ELSE 'N' END AS knife_flag,
            victim_age,
            victim_sex,
            outcome,
            force_code || '_' || strftime(recorded_date, '%Y-%m') AS _file
        FROM generated
        WHERE recorded_date <= DATE '{last_day}'
        """
    )
    rows = con.execute("SELECT count(*) FROM extract").fetchone()[0]
    files = write_partitioned(
        con, "SELECT * FROM extract ORDER BY _file, recorded_date, crime_reference", folder
    )
    con.close()
    return GeneratedSource(SOURCE, files, rows)
