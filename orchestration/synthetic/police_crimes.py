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
    arrow_table,
    coded,
    force_batches,
    labels,
    monthly_counts,
    place_events,
    sort_order,
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
LOCATIONS = ["street", "dwelling", "school", "transport", "other", "licensed_premises"]


SOURCE = POLICE_CRIMES.source
ORDER = 0


def generate(ctx: GenerationContext) -> GeneratedSource:
    """Write ``landing/police_crimes/<force_code>_<YYYY-MM>.csv`` for the chosen partnerships.

    A force's files are written whole by one batch; batches of about five million residents
    keep memory flat however many partnerships are asked for.
    """
    rng = ctx.rng(SOURCE)
    files = rows = 0
    for batch in force_batches(ctx.lsoas):
        part = _generate_batch(batch, ctx.folder(SOURCE), ctx.months, rng)
        files, rows = files + part.files, rows + part.rows
    return GeneratedSource(SOURCE, files, rows)


def _generate_batch(
    lsoas: pd.DataFrame, folder: Path, month_starts: pd.DatetimeIndex, rng: np.random.Generator
) -> GeneratedSource:
    # Each partnership has its own level of violence around the national rate: higher
    # where deprivation is higher, plus noise.
    n = monthly_counts(lsoas, month_starts, ANNUAL_RATE, SEASON, 0.12, rng)
    events = place_events(lsoas, n, rng)
    p_idx, m_idx, lsoa_row = events.p_idx, events.m_idx, events.lsoa_row
    total = len(p_idx)
    subgroups = np.array(list(SUBGROUP_SHARES))
    shares = np.array(list(SUBGROUP_SHARES.values()))
    # codes into the lists of values, not strings: the text is DuckDB's to write
    subgroup = rng.choice(len(subgroups), size=total, p=shares / shares.sum())
    is_vap = np.char.startswith(subgroups, "VAP")[subgroup]

    # When: a day in the month, then an hour; Friday and Saturday nights carry the
    # night-time economy (street and licensed premises violence, often alcohol related).
    occurred, nte = times_in_month(month_starts, m_idx, rng, (0.45, 0.10), DAY_HOURS,
                                   NIGHT_HOURS, eligible=is_vap)
    lag = rng.geometric(0.55, total) - 1  # days between offence and recording
    recorded = occurred.astype("datetime64[D]") + lag.astype("timedelta64[D]")

    domestic = is_vap & ~nte & (rng.random(total) < 0.42)
    licensed = rng.random(total) < 0.4
    elsewhere = rng.choice(6, size=total, p=[0.42, 0.28, 0.06, 0.06, 0.14, 0.04])
    location = np.where(nte, np.where(licensed, 5, 0), np.where(domestic, 1, elsewhere))
    knife_p = np.select(
        [subgroups == "POW_BLA", np.char.startswith(subgroups, "ROB"),
         subgroups == "VAP_HOM", subgroups == "VAP_VWI"],
        [1.0, 0.22, 0.40, 0.05],
        0.01,
    )[subgroup]
    knife = rng.random(total) < knife_p
    alcohol = rng.random(total) < np.where(nte, 0.55, np.where(domestic, 0.25, 0.08))
    age = np.clip(np.round(rng.gamma(5.0, 6.5, total) + 8), 0, 95).astype(np.int64)
    female = rng.random(total) < np.where(domestic, 0.75, 0.45)
    outcome = rng.choice(len(OUTCOMES), size=total, p=OUTCOME_P)

    # The extract's order, found with numpy: crimes recorded in the period, one file per force
    # and month recorded, each file by the day recorded and its crime reference, which
    # numbers the file's crimes in order of occurrence (then LSOA code, then draw).
    kept = np.flatnonzero(recorded <= (month_starts[-1] + pd.offsets.MonthEnd(0)).to_datetime64())
    forces, force_of_lsoa = coded(lsoas["force_code"])
    lsoa_codes, lsoa_of_row = coded(lsoas["lsoa_code"])  # codes in the order of the text
    force = force_of_lsoa[lsoa_row[kept]]
    day = _from_first(recorded[kept].astype(np.int64))
    month = recorded[kept].astype("datetime64[M]")
    first_month = month.min() if len(kept) else np.datetime64("1970-01", "M")
    month = (month - first_month).astype(np.int64)
    file = force * (month.max(initial=0) + 1) + month
    minute = _from_first(occurred[kept].astype(np.int64))
    by_occurrence = sort_order(file, minute, lsoa_of_row[lsoa_row[kept]])
    starts = np.flatnonzero(np.diff(file[by_occurrence], prepend=-1))  # where each file starts
    in_file = np.empty(len(kept), dtype=np.int64)  # the crime's number in its file
    in_file[by_occurrence] = (np.arange(len(kept)) + 1
                              - np.repeat(starts, np.diff(starts, append=len(kept))))
    order = sort_order(file, day, in_file)
    row = kept[order]
    first_day = recorded[kept].min() if len(kept) else np.datetime64("1970-01-01")
    days = first_day + np.arange(day.max(initial=0) + 1).astype("timedelta64[D]")
    groups = [g.split("_")[0] for g in subgroups]
    # per file, not per record: its name, and the start of its crime references
    file_keys, file_of_row = np.unique(file[order], return_inverse=True)
    file_force = forces[file_keys // (month.max(initial=0) + 1)]
    file_month = np.datetime_as_string(first_month + file_keys % (month.max(initial=0) + 1))
    frame = arrow_table(
        {
            "number": in_file[order],
            "reference": labels(file_of_row, [f"{f}/{m.replace('-', '')}/"
                                              for f, m in zip(file_force, file_month,
                                                              strict=True)]),
            "_file": labels(file_of_row, [f"{f}_{m}" for f, m in zip(file_force, file_month,
                                                                     strict=True)]),
            "force_code": labels(force[order], forces),
            "recorded_date": labels(day[order], np.datetime_as_string(days, unit="D")),
            "occurred_at": occurred[row],
            "offence_group": labels(subgroup[row], groups),
            "offence_subgroup": labels(subgroup[row], subgroups),
            "ho_offence_code": labels(subgroup[row], [HO_CODES[g] for g in subgroups]),
            "lsoa_code": labels(lsoa_of_row[lsoa_row[row]], lsoa_codes),
            "location_type": labels(location[row], LOCATIONS),
            "domestic_abuse_flag": labels(domestic[row], ["N", "Y"]),
            "alcohol_flag": labels(alcohol[row], ["N", "Y"]),
            "knife_flag": labels(knife[row], ["N", "Y"]),
            "victim_age": age[row],
            "victim_sex": labels(female[row], ["M", "F"]),
            "outcome": labels(outcome[row], OUTCOMES),
        }
    )
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("generated", frame)
    extract = """
        SELECT
            reference || lpad(number::VARCHAR, 6, '0') AS crime_reference,
            force_code,
            recorded_date,
            strftime(occurred_at, '%Y-%m-%d %H:%M') AS occurred_at,
            offence_group,
            offence_subgroup,
            ho_offence_code,
            lsoa_code,
            location_type,
            domestic_abuse_flag,
            alcohol_flag,
            knife_flag,
            victim_age,
            victim_sex,
            outcome,
            _file
        FROM generated
    """
    # rows already in the extract's order: DuckDB keeps it (no ORDER BY needed)
    files, rows = write_partitioned(con, extract, None, folder)
    con.close()
    return GeneratedSource(SOURCE, files, rows)


def _from_first(values: np.ndarray) -> np.ndarray:
    """Values less the smallest (a sort key from 0)."""
    return values - values.min() if len(values) else values
