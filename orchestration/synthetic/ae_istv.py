"""Synthetic ``ae_istv`` extracts: ED assault attendances, one CSV per department per month.

About 4-5 emergency department attendances for assault per 1,000 residents a year (NHS
Digital A&E attendances coded as assault, and Cardiff Violence Surveillance Network rates),
with a summer peak and a weekend-night peak stronger than in police data: much night-time
economy violence that reaches the ED is never reported to the police.

Only part of it is: about a quarter of attendances are drawn from the violence-with-injury
(VAP_VWI) crimes the police generator has just written (same LSOA, the assault within hours
of the police ``occurred_at``, the same sex and about the same age); the rest are unknown to
the police. Cardiff Model studies find that a quarter to a half of ED assault attendances are
known to the police; linked by LSOA and date (which also links unrelated crimes that happen
to share both), the overlap measured on these extracts comes to about 35-40%. A third to
three fifths of attendances carry no usable location (the ISTV data-quality problem the
Cardiff Model depends on), varying by department.

Each partnership is served by one synthetic department whose ODS-shaped site code is made
from the partnership code (``Z`` + its last four digits): real catchments do not follow
partnership boundaries, which is why records are placed by the LSOA, not the site.
Everything is drawn as numpy arrays and written by DuckDB: no Python loop over records.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from orchestration.contracts.ae_istv import AE_ISTV
from orchestration.synthetic.base import (
    GeneratedSource,
    GenerationContext,
    place_events,
    read_written,
    times_in_month,
    write_partitioned,
)

SOURCE = AE_ISTV.source
ORDER = 10  # after police_crimes (ORDER 0), whose violence-with-injury records it reads

# ED attendances for assault per resident per year, before the deprivation gradient (which
# takes the deprived demo partnerships to about 5 per 1,000).
ANNUAL_RATE = 0.0042
# Share of attendances drawn from a police-recorded violence-with-injury crime. Unrelated
# police crimes in the same LSOA within a day add about 10-15 points when the two are linked
# by place and date, so the overlap an analyst measures comes to about 35-40%.
POLICE_MATCH_SHARE = 0.26
# Monthly seasonality, January..December (as police violence, a little more peaked in summer).
SEASON = np.array([0.88, 0.84, 0.94, 0.97, 1.07, 1.10, 1.12, 1.09, 1.02, 1.00, 0.97, 1.00])
# Hour-of-day weights: daytime attendances and night-time-economy ones (as police_crimes).
DAY_HOURS = np.array([0.5, 0.4, 0.3, 0.2, 0.2, 0.3, 0.6, 1, 1.3, 1.4, 1.5, 1.6, 1.8, 1.8,
                      1.9, 2.1, 2.3, 2.4, 2.4, 2.3, 2.1, 1.8, 1.3, 0.8])
NIGHT_HOURS = np.array([2.6, 2.3, 1.6, 0.8, 0.3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 0.3, 0.8, 1.4, 2.0, 2.5])
# Means of assault when no knife is involved (ISTV returns: mostly fists and feet).
METHODS = np.array(["body_part", "blunt_object", "glass_bottle", "firearm", "other", "not_known"])
METHOD_P = np.array([0.64, 0.10, 0.065, 0.002, 0.06, 0.133])
KNIFE_SHARE = 0.05
OTHER_METHODS = np.array(["pushed to the ground", "strangled", "hot liquid thrown",
                          "struck by a vehicle", "corrosive substance thrown",
                          "dog set on patient"])
# Place of assault away from the night-time economy.
PLACES = np.array(["home", "street", "school", "transport", "workplace", "other", "not_known"])
PLACE_P = np.array([0.34, 0.33, 0.04, 0.05, 0.06, 0.10, 0.08])
POLICE_PLACE = {"dwelling": "home", "street": "street", "licensed_premises": "licensed_premises",
                "school": "school", "transport": "transport", "other": "other"}
# Free-text descriptions as triage nurses type them (blank a quarter of the time).
DESCRIPTIONS: dict[str, list[str]] = {
    "street": ["outside takeaway, town centre", "on the high street", "near the bus station",
               "in the park", "outside the shops, Market Street", "walking home from town",
               "taxi rank, Church Street"],
    "licensed_premises": ['outside "The Crown" pub', "inside nightclub, town centre",
                          "smoking area of bar", "outside Yates bar, Fishergate",
                          "in the pub toilets", "queue for club"],
    "home": ["at home", "at partner's house", "friend's flat", "own address",
             "at a house party"],
    "school": ["school playground", "outside college gates"],
    "transport": ["on the bus", "railway station platform", "in a taxi"],
    "workplace": ["at work (shop)", "at work, care home", "hospital car park"],
    "other": ["car park", "leisure centre", "canal towpath", "hostel"],
    "not_known": ["patient unable to say"],
}


def generate(ctx: GenerationContext) -> GeneratedSource:
    """Write ``landing/ae_istv/<site_code>_<YYYY-MM>.csv`` for the chosen partnerships."""
    rng = ctx.rng(SOURCE)
    lsoas = ctx.lsoas
    month_starts = ctx.months
    codes = lsoas["csp_code"].to_numpy()
    partnerships, first = np.unique(codes, return_index=True)
    counts = np.diff(np.append(first, len(codes)))
    population = np.add.reduceat(lsoas["lsoa_population"].to_numpy(), first)
    deprivation = np.add.reduceat(lsoas["imd_decile"].to_numpy(dtype=float), first) / counts
    level = np.exp(-0.09 * (deprivation - 5.5)) * rng.lognormal(0.0, 0.10, len(partnerships))
    sites = np.array(["Z" + str(c)[-4:] for c in partnerships])
    # Share of a department's records with no usable location: 30-60% (ISTV audits).
    no_location = rng.uniform(0.30, 0.60, len(partnerships))
    days = month_starts.days_in_month.to_numpy()
    expected = (
        population[:, None] * level[:, None] * ANNUAL_RATE / 365.25
        * (days * SEASON[month_starts.month.to_numpy() - 1])[None, :]
    )
    n = rng.poisson(expected)  # partnerships × months
    wanted = rng.binomial(n, POLICE_MATCH_SHARE)

    police = _police_violence_with_injury(ctx, partnerships)
    matched = _draw_matched(police, wanted, rng)
    unmatched = _draw_unmatched(
        lsoas, month_starts, n.ravel() - np.bincount(matched["cell"], minlength=n.size), rng,
    )
    frame = pd.concat([matched.drop(columns="cell"), unmatched], ignore_index=True)
    total = len(frame)

    # What every record shares: the journey to the ED, what is known, how it is written.
    after_minutes = np.where(
        rng.random(total) < 0.08,
        rng.integers(12 * 60, 48 * 60, total),  # presented the next day or the day after
        np.minimum(np.round(rng.lognormal(np.log(55), 0.6, total)), 11 * 60),
    ).astype("timedelta64[m]")
    arrival = frame["assault_at"].to_numpy().astype("datetime64[m]") + after_minutes
    location = frame["location_type"].to_numpy().astype(object)
    p = partnerships.searchsorted(frame["csp_code"].to_numpy())
    blank_lsoa = (rng.random(total) < no_location[p]) | (location == "not_known")
    width = max(len(v) for v in DESCRIPTIONS.values())
    table = np.array([v + [""] * (width - len(v)) for v in DESCRIPTIONS.values()], dtype=object)
    lengths = np.array([len(v) for v in DESCRIPTIONS.values()])
    t = pd.Series(location).map({k: i for i, k in enumerate(DESCRIPTIONS)}).to_numpy(int)
    description = table[t, (rng.random(total) * lengths[t]).astype(np.int64)]
    description = np.where((rng.random(total) < 0.25) & (location != "not_known"), "",
                           description)
    method = frame["assault_method"].to_numpy().astype(object)
    method_other = np.where(method == "other",
                            OTHER_METHODS[rng.integers(0, len(OTHER_METHODS), total)], "")
    frame = frame.assign(
        site_code=sites[p],
        arrival_at=arrival,
        assault_known=rng.random(total) >= 0.15,  # assault time not recorded 15% of the time
        lsoa_code=np.where(blank_lsoa, None, frame["lsoa_code"].to_numpy()),
        location_description=description,
        assault_method_other=method_other,
        age_known=rng.random(total) >= 0.02,
        _seq=np.arange(total),
    )
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET threads = 1")
    con.register("generated", frame)
    last_day = (month_starts[-1] + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
    extract = f"""
        SELECT
            site_code,
            strftime(arrival_at, '%Y-%m') AS reporting_period,
            strftime(arrival_at, '%y%m') || lpad(row_number() OVER (
                PARTITION BY site_code, strftime(arrival_at, '%Y-%m')
                ORDER BY arrival_at, _seq)::VARCHAR, 5, '0') AS attendance_id,
            strftime(arrival_at, '%Y-%m-%d %H:%M') AS arrival_at,
            CASE WHEN assault_known THEN strftime(assault_at, '%Y-%m-%d %H:%M') END
                AS assault_at,
            assault_method,
            nullif(assault_method_other, '') AS assault_method_other,
            location_type,
            nullif(location_description, '') AS location_description,
            CASE WHEN age_known THEN patient_age END AS patient_age,
            patient_sex,
            lsoa_code,
            site_code || '_' || strftime(arrival_at, '%Y-%m') AS _file
        FROM generated
        WHERE arrival_at <= TIMESTAMP '{last_day} 23:59'
    """
    files, rows = write_partitioned(
        con, extract, "_file, arrival_at, attendance_id", ctx.folder(SOURCE))
    con.close()
    return GeneratedSource(SOURCE, files, rows)


def _police_violence_with_injury(ctx: GenerationContext, partnerships: np.ndarray) -> pa.Table:
    """The police violence-with-injury crimes of the chosen partnerships in the period, in a
    fixed order, with the partnership × month cell each falls in (empty if none written)."""
    columns = ["cell", "csp_code", "lsoa_code", "occurred_at", "victim_age", "victim_sex",
               "knife_flag", "location_type"]
    folder = ctx.landing / "police_crimes"
    if not any(folder.glob("*.csv")):
        text = pa.array([], pa.string())
        return pa.table({"cell": pa.array([], pa.int64()), "csp_code": text, "lsoa_code": text,
                         "occurred_at": pa.array([], pa.timestamp("us")),
                         "victim_age": pa.array([], pa.int32()), "victim_sex": text,
                         "knife_flag": text, "location_type": text})
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("lsoas", ctx.lsoas[["csp_code", "lsoa_code"]])
    con.register("parts", pd.DataFrame({"csp_code": partnerships,
                                        "p": np.arange(len(partnerships))}))
    first = ctx.months[0].strftime("%Y-%m-%d")
    police = con.sql(
        f"""
        SELECT parts.p * {len(ctx.months)}
                   + datediff('month', DATE '{first}', occurred_at::TIMESTAMP) AS cell,
               lsoas.csp_code, c.lsoa_code, c.occurred_at::TIMESTAMP AS occurred_at,
               try_cast(c.victim_age AS INTEGER) AS victim_age, c.victim_sex, c.knife_flag,
               c.location_type
        FROM {read_written(folder)} AS c
        JOIN lsoas USING (lsoa_code)
        JOIN parts USING (csp_code)
        WHERE c.offence_subgroup = 'VAP_VWI'
          AND occurred_at::TIMESTAMP >= DATE '{first}'
          AND datediff('month', DATE '{first}', occurred_at::TIMESTAMP) < {len(ctx.months)}
        ORDER BY cell, occurred_at, c.crime_reference
        """
    ).to_arrow_table()  # Arrow: only the crimes drawn become Python objects
    con.close()
    return police.select(columns)


def _draw_matched(
    police: pa.Table, wanted: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """For each partnership × month, up to ``wanted`` of its police crimes, as ED records of
    the same assault: the same LSOA, the time as the patient gave it, similar age and sex."""
    cell = np.asarray(police.column("cell").to_numpy(), dtype=np.int64)
    key = rng.random(len(police))
    order = np.lexsort((key, cell))  # shuffled within each cell
    sorted_cell = cell[order]
    starts = np.searchsorted(sorted_cell, sorted_cell, side="left")
    rank = np.arange(len(order)) - starts
    take = order[rank < wanted.ravel()[sorted_cell]] if len(order) else order
    take = np.sort(take)
    chosen = police.take(pa.array(take, pa.int64())).to_pandas()
    total = len(chosen)
    occurred = chosen["occurred_at"].to_numpy().astype("datetime64[m]")
    # the patient's account of the time differs from the police record by minutes to hours
    shift = np.clip(np.round(rng.normal(0, 40, total)), -180, 180).astype("timedelta64[m]")
    age = chosen["victim_age"].to_numpy(dtype=float)
    age = np.clip(np.nan_to_num(age, nan=30) + rng.choice([-1, 0, 0, 0, 1], total), 0, 110)
    police_sex = chosen["victim_sex"].to_numpy().astype(object)
    sex = np.where(np.isin(police_sex, ["M", "F"]), police_sex,
                   np.where(rng.random(total) < 0.6, "M", "F"))
    knife = chosen["knife_flag"].to_numpy() == "Y"
    method = np.where(knife, "knife_sharp",
                      METHODS[rng.choice(len(METHODS), size=total, p=METHOD_P / METHOD_P.sum())])
    place = chosen["location_type"].map(POLICE_PLACE).fillna("other").to_numpy()
    place = np.where((place == "other") & (rng.random(total) < 0.4), "workplace", place)
    return pd.DataFrame({
        "cell": cell[take],
        "csp_code": chosen["csp_code"].to_numpy(),
        "lsoa_code": chosen["lsoa_code"].to_numpy(),
        "assault_at": occurred + shift,
        "assault_method": method,
        "location_type": place,
        "patient_age": age.astype(np.int64),
        "patient_sex": sex,
    })


def _draw_unmatched(
    lsoas: pd.DataFrame, month_starts: pd.DatetimeIndex, n: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Assaults the police never hear of: younger, more male, more often at weekend nights.
    ``n`` holds the counts per partnership × month, flattened."""
    events = place_events(lsoas, np.reshape(n, (-1, len(month_starts))), rng)
    partnerships = events.partnerships
    p_idx, m_idx, lsoa_row = events.p_idx, events.m_idx, events.lsoa_row
    total = len(p_idx)
    assault_at, nte = times_in_month(month_starts, m_idx, rng, (0.72, 0.20), DAY_HOURS,
                                     NIGHT_HOURS)
    place = np.where(
        nte,
        np.where(rng.random(total) < 0.4, "licensed_premises", "street"),
        PLACES[rng.choice(len(PLACES), size=total, p=PLACE_P)],
    )
    knife = rng.random(total) < KNIFE_SHARE
    method = np.where(knife, "knife_sharp",
                      METHODS[rng.choice(len(METHODS), size=total, p=METHOD_P / METHOD_P.sum())])
    male = rng.random(total) < np.select([nte, place == "home"], [0.80, 0.42], 0.72)
    sex = np.where(rng.random(total) < 0.01, "U", np.where(male, "M", "F"))
    age = np.clip(np.round(rng.gamma(2.4, 7.5, total) + 13), 0, 95).astype(np.int64)
    return pd.DataFrame({
        "csp_code": partnerships[p_idx],
        "lsoa_code": lsoas["lsoa_code"].to_numpy()[lsoa_row],
        "assault_at": assault_at,
        "assault_method": method,
        "location_type": place,
        "patient_age": age,
        "patient_sex": sex,
    })
