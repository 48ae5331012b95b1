"""Synthetic ``probation_caseload`` extracts: one CSV per month, the caseload at the month's end.

People are drawn as supervision spells (an order type, a start month, a length), including
spells that began up to five years before the period so that the first snapshot already holds
a full caseload; each spell is then exploded into one row per month it is active with
``numpy.repeat``. About 3-4 people per 1,000 residents are under supervision (Probation
Service caseload of about 240,000 in England and Wales, 2023, less those in custody awaiting
release), more where deprivation is higher; about a fifth to a quarter are assessed as high or
very high risk of serious harm (Offender Management Statistics). No Python loop over records.

This module also holds the helpers the other people-level generators share: the district of
each LSOA and the person-identifier scheme (``crn_number``, ``reference_text``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.contracts.probation_caseload import PROBATION_CASELOAD
from orchestration.reference import SEEDS
from orchestration.synthetic.base import (
    GeneratedSource,
    GenerationContext,
    arrow_table,
    coded,
    labels,
    sort_order,
    write_partitioned,
)

SOURCE = PROBATION_CASELOAD.source
ORDER = 40

# People under supervision per resident at a month's end (England: roughly 3.5 per 1,000;
# the deprivation level below raises it in the more deprived partnerships).
CASELOAD_RATE = 0.0031
ORDER_TYPES = np.array(["community_order", "suspended_sentence", "licence",
                        "post_sentence_supervision"])
# Share of each order type in the caseload (Offender Management Statistics, roughly: court
# orders about 55%, post-release supervision about 45%) and the mean months supervised.
CASELOAD_SHARE = np.array([0.36, 0.20, 0.36, 0.08])
MEAN_MONTHS = np.array([13.0, 17.0, 18.0, 9.0])
# Starts in proportion to caseload share / length, so the steady caseload has the shares above.
START_SHARE = CASELOAD_SHARE / MEAN_MONTHS / (CASELOAD_SHARE / MEAN_MONTHS).sum()
MEAN_SPELL = float(START_SHARE @ MEAN_MONTHS)
BURN_IN = 60  # months of starts before the period: no spell lasts longer (capped below)
# Courts sit less in August and late December: order starts by calendar month.
START_SEASON = np.array([1.02, 1.00, 1.08, 0.98, 1.02, 1.02, 1.03, 0.88, 1.00, 1.05, 1.04, 0.88])
ROSH_LEVELS = ["low", "medium", "high", "very_high"]
MAPPA_VALUES = ["", "1", "2", "3"]  # category or level; "" where none (written as NULL)
OFFENCE_GROUPS = np.array(["violence", "sexual", "robbery", "weapons", "drugs", "theft", "other"])
# Index offence by order type (rows as ORDER_TYPES): licences carry more serious offences.
OFFENCE_BY_ORDER = np.array([
    [0.30, 0.02, 0.01, 0.05, 0.10, 0.18, 0.34],
    [0.33, 0.03, 0.01, 0.06, 0.14, 0.15, 0.28],
    [0.30, 0.09, 0.08, 0.05, 0.18, 0.15, 0.15],
    [0.22, 0.01, 0.03, 0.05, 0.12, 0.35, 0.22],
])
# Chance of a high or very high risk of serious harm assessment by offence group; licences
# (longer custodial sentences) are assessed higher.
HIGH_RISK_BY_OFFENCE = np.array([0.32, 0.45, 0.40, 0.30, 0.15, 0.06, 0.12])
HIGH_RISK_BY_ORDER = np.array([0.85, 0.95, 1.30, 0.90])
NO_ADDRESS = 0.04  # no fixed abode or address not known: LSOA blank

# Person identifiers: an index is turned into a reference by a fixed bijection, so every
# generator that draws people from the same index range gets the same, unique references.
_CRN_SPACE = 26 * 10**6  # one letter and six digits
CRN_OTHER_PEOPLE = 12_345_678  # index of the first person not on the caseload


def scramble(index: np.ndarray, space: int, digits: int) -> np.ndarray:
    """A fixed one-to-one map of 0..space-1 onto itself that looks random: an affine map with
    a multiplier near 0.618 × space (consecutive indexes land far apart), the last ``digits``
    decimal digits reversed, and another such affine map. ``space`` must be a multiple of
    10**digits with no prime factors but 2, 5 and 13 (and at most 10**12)."""
    value = np.asarray(index, dtype=np.int64) % space
    for step, fraction in enumerate((0.6180339887, 0.4142135623)):
        multiplier = int(space * fraction) | 1
        while multiplier % 5 == 0 or multiplier % 13 == 0:  # coprime: one-to-one
            multiplier += 2
        value = (_mulmod(value, multiplier, space) + space // 7) % space
        if step == 0:
            low = value % 10**digits
            reversed_low = np.zeros_like(low)
            for _ in range(digits):  # over the digits of all numbers at once, not records
                reversed_low = reversed_low * 10 + low % 10
                low //= 10
            value = value - value % 10**digits + reversed_low
    return value


def _mulmod(value: np.ndarray, multiplier: int, space: int) -> np.ndarray:
    """value × multiplier modulo space without overflowing 64 bits (space at most 10**12)."""
    high, low = divmod(multiplier, 1 << 20)
    return ((value * high) % space * (1 << 20) % space + value * low) % space


def crn_number(index: np.ndarray) -> np.ndarray:
    """The number each person's CRN is made from (a letter for the millions, then six digits),
    which sorts as the CRN does."""
    return scramble(index, _CRN_SPACE, 6)


def reference_text(value: np.ndarray) -> pa.Array:
    """The CRN (one letter, six digits; unique for person indexes < 26M) of the people whose
    crn_number is ``value``, as Arrow text (built by Arrow, not a Python string per person)."""
    letters = pa.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")).take(pa.array(value // 10**6))
    digits = pc.utf8_lpad(pa.array(value % 10**6).cast(pa.string()), 6, "0")
    return pc.binary_join_element_wise(letters, digits, "")


def with_districts(lsoas: pd.DataFrame) -> pd.DataFrame:
    """``ctx.lsoas`` with each LSOA's local authority district (``lad_code``) and upper-tier
    authority (``la_code``: the county, E10, of a two-tier district, E07; else the district).

    ``ctx.lsoas`` carries the district (orchestration.reference); the population file lists
    each county just before its districts, which gives the county.
    """
    con = duckdb.connect()
    con.register("lsoas", lsoas)
    frame = con.execute(
        f"""
        WITH areas AS (
            SELECT row_number() OVER () AS rn, "Code" AS code, "Geography1" AS geography
            FROM read_csv('{SEEDS / "population_mye2019.csv"}', header = true,
                          all_varchar = true, parallel = false)
        ),
        counties AS (
            SELECT code AS lad_code, geography,
                   last_value(CASE WHEN geography = 'County' THEN code END IGNORE NULLS)
                       OVER (ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                       AS county
            FROM areas
        )
        SELECT lsoas.* REPLACE (coalesce(changes.lad20cd, lsoas.lad_code) AS lad_code),
               CASE WHEN changes.lad20cd IS NOT NULL THEN changes.lad20cd
                    WHEN counties.geography = 'Non-metropolitan District'
                    THEN counties.county ELSE lsoas.lad_code END AS la_code
        FROM lsoas
        -- Buckinghamshire's 2019 districts are one unitary authority since 2020
        LEFT JOIN read_csv('{SEEDS / "lad_2019_to_2020.csv"}') AS changes
            ON lsoas.lad_code = changes.lad19cd
        LEFT JOIN counties ON counties.lad_code = lsoas.lad_code
        ORDER BY lsoas.csp_code, lsoas.lsoa_code
        """
    ).df()
    con.close()
    return frame


def deprivation_level(lsoas: pd.DataFrame, groups: np.ndarray, first: np.ndarray,
                      slope: float) -> np.ndarray:
    """exp(-slope × (mean IMD decile - 5.5)) per group of rows starting at ``first``:
    above 1 where the group is more deprived than the middle decile."""
    counts = np.diff(np.append(first, len(groups)))
    deciles = np.add.reduceat(lsoas["imd_decile"].to_numpy(dtype=float), first) / counts
    return np.exp(-slope * (deciles - 5.5))


def pick_rows(weights: np.ndarray, first: np.ndarray, group: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """For each entry of ``group`` (a group index), a row of that group drawn in proportion to
    ``weights``; groups are contiguous row ranges starting at ``first``."""
    counts = np.diff(np.append(first, len(weights)))
    gid = np.repeat(np.arange(len(first)), counts)
    cum = np.cumsum(weights)
    start = np.concatenate([[0.0], cum[first[1:] - 1]])
    total = np.add.reduceat(weights, first)
    position = gid + (cum - start[gid]) / total[gid]  # in (g, g + 1] within group g
    row = np.searchsorted(position, group + rng.random(len(group)), side="left")
    return np.minimum(row, first[group] + counts[group] - 1)


def draw_spells(ctx: GenerationContext) -> pd.DataFrame:
    """Every supervision spell active at some point of the period (and those that began in
    the five years before it), one row each, deterministic for the seed.

    ``start_index`` and ``end_index`` are months relative to the first month of the period
    (negative before it); the spell is on the caseload in months start_index..end_index.
    probation_reoffending reads the same spells: its cohort includes their order starts.
    """
    rng = ctx.rng(SOURCE)
    lsoas = with_districts(ctx.lsoas)
    codes = lsoas["csp_code"].to_numpy()
    partnerships, first = np.unique(codes, return_index=True)
    population = np.add.reduceat(lsoas["lsoa_population"].to_numpy(), first)
    level = deprivation_level(lsoas, codes, first, 0.08) * rng.lognormal(
        0.0, 0.10, len(partnerships))
    months = len(ctx.months)
    starts = pd.date_range(ctx.months[0] - pd.DateOffset(months=BURN_IN),
                           periods=BURN_IN + months, freq="MS")
    expected = (population * level * CASELOAD_RATE / MEAN_SPELL)[:, None] * START_SEASON[
        starts.month.to_numpy() - 1][None, :]
    n = rng.poisson(expected)  # partnerships × start months
    p_idx = np.repeat(np.repeat(np.arange(len(partnerships)), len(starts)), n.ravel())
    m_idx = np.repeat(np.tile(np.arange(len(starts)), len(partnerships)), n.ravel())
    total = len(p_idx)
    if total >= CRN_OTHER_PEOPLE:
        raise ValueError("too many probation spells for the reference-number scheme")

    order = rng.choice(len(ORDER_TYPES), size=total, p=START_SHARE)
    # Lengths in months: community orders 6-36 months, suspended sentences 12-24, licences
    # with a long tail (long custodial sentences), post-sentence supervision under 12 months.
    length = np.select(
        [order == 0, order == 1, order == 2],
        [np.clip(np.round(rng.gamma(4.0, MEAN_MONTHS[0] / 4.0, total)), 6, 36),
         rng.integers(12, 25, total),
         np.clip(np.round(rng.gamma(1.5, MEAN_MONTHS[2] / 1.5, total)), 2, BURN_IN)],
        rng.integers(6, 13, total),
    ).astype(np.int64)
    start_index = m_idx - BURN_IN
    end_index = start_index + length - 1
    keep = end_index >= 0
    # Where people live: LSOAs of the partnership, more often the deprived ones.
    weights = lsoas["lsoa_population"].to_numpy() * np.exp(
        -0.15 * (lsoas["imd_decile"].to_numpy() - 5.5))
    row = pick_rows(weights, first, p_idx, rng)
    # the index offence: a draw against the cumulative shares of the spell's order type
    cum = OFFENCE_BY_ORDER.cumsum(axis=1) / OFFENCE_BY_ORDER.sum(axis=1, keepdims=True)
    offence = np.minimum((rng.random(total)[:, None] > cum[order]).sum(axis=1),
                         len(OFFENCE_GROUPS) - 1)
    high = rng.random(total) < np.clip(
        HIGH_RISK_BY_OFFENCE[offence] * HIGH_RISK_BY_ORDER[order], 0, 0.95)
    very_high = rng.random(total) < 0.07
    low = rng.random(total) < 0.33
    rosh = np.where(high, np.where(very_high, 3, 2), np.where(low, 0, 1))  # ROSH_LEVELS
    # MAPPA: category 1 is registered sexual offenders; category 2 violent offenders with
    # 12 months or more in custody (on licence); category 3 a few other dangerous people.
    is_violent = np.isin(offence, (0, 2, 3))
    u = rng.random(total)
    category = np.select(  # MAPPA_VALUES: none, "1", "2", "3"
        [(offence == 1) & (u < 0.92),
         is_violent & (order == 2) & (u < np.where(high, 0.55, 0.15)),
         high & (u < 0.02)],
        [1, 2, 3], 0,
    )
    v = rng.random(total)
    level_cut2 = np.where(rosh == 3, 0.60, 0.96)
    level_cut3 = np.where(rosh == 3, 0.90, 0.995)
    mappa_level = np.where(category == 0, 0,
                           np.where(v < level_cut2, 1, np.where(v < level_cut3, 2, 3)))
    day = (rng.random(total) * starts.days_in_month.to_numpy()[m_idx]).astype(np.int64)
    start_date = starts.to_numpy()[m_idx].astype("datetime64[D]") + day.astype("timedelta64[D]")
    no_address = rng.random(total) < NO_ADDRESS

    # text columns as categoricals (codes into their values): no string built per spell
    lsoa_codes, lsoa_of_row = coded(lsoas["lsoa_code"])
    lad_codes, lad_of_row = coded(lsoas["lad_code"])
    spells = pd.DataFrame({
        "person_index": np.arange(total),
        "csp_code": pd.Categorical.from_codes(p_idx, partnerships),
        "lsoa_code": pd.Categorical.from_codes(np.where(no_address, -1, lsoa_of_row[row]),
                                               lsoa_codes),
        "lad_code": pd.Categorical.from_codes(lad_of_row[row], lad_codes),
        "offence_group": pd.Categorical.from_codes(offence, OFFENCE_GROUPS),
        "rosh_level": pd.Categorical.from_codes(rosh, ROSH_LEVELS),
        "mappa_category": pd.Categorical.from_codes(category, MAPPA_VALUES),
        "mappa_level": pd.Categorical.from_codes(mappa_level, MAPPA_VALUES),
        "order_type": pd.Categorical.from_codes(order, ORDER_TYPES),
        "order_start_date": start_date,
        "start_index": start_index,
        "end_index": end_index,
    })
    return spells[keep].reset_index(drop=True)


def generate(ctx: GenerationContext) -> GeneratedSource:
    """Write ``landing/probation_caseload/caseload_<YYYY-MM>.csv`` for every month."""
    spells = draw_spells(ctx)
    months = len(ctx.months)
    first_active = np.maximum(spells["start_index"].to_numpy(), 0)
    last_active = np.minimum(spells["end_index"].to_numpy(), months - 1)
    active = np.maximum(last_active - first_active + 1, 0)
    spell = np.repeat(np.arange(len(spells)), active)
    offsets = np.arange(len(spell)) - np.repeat(np.cumsum(active) - active, active)
    month = first_active[spell] + offsets
    # Each file (a month) by district, then person_id: its order is that of the number
    # the reference is made from (a letter for the millions, then six digits).
    crn = crn_number(spells["person_index"].to_numpy())
    lad = spells["lad_code"].cat.codes.to_numpy()  # codes in the order of the text
    order = sort_order(month, lad[spell], crn[spell])
    spell, month = spell[order], month[order]
    start = spells["order_start_date"].to_numpy().astype("datetime64[D]")
    first_start = start.min() if len(start) else np.datetime64("1970-01-01")
    start_day = (start - first_start).astype(np.int64)
    start_days = first_start + np.arange(start_day.max(initial=0) + 1).astype("timedelta64[D]")
    snapshot = ctx.months.strftime("%Y-%m")

    def text(column: str) -> pa.DictionaryArray:
        """The spells' column, one value per row of the caseload (NULL for an empty text)."""
        values = spells[column].cat
        codes = values.codes.to_numpy()[spell]
        names = values.categories.to_numpy(dtype=object)
        return labels(codes, names, missing=(codes < 0) | (names == "")[np.maximum(codes, 0)])

    rows = arrow_table({
        "snapshot_month": labels(month, snapshot),
        "person_id": labels(spell, reference_text(crn)),
        "lsoa_code": text("lsoa_code"),
        "lad_code": text("lad_code"),
        "offence_group": text("offence_group"),
        "rosh_level": text("rosh_level"),
        "mappa_category": text("mappa_category"),
        "mappa_level": text("mappa_level"),
        "order_type": text("order_type"),
        "order_start_date": labels(start_day[spell],
                                   np.datetime_as_string(start_days, unit="D")),
        "_file": labels(month, "caseload_" + snapshot),
    })
    # rows already in the files' order (by month, district, person_id)
    return write_frame(rows, ctx.folder(SOURCE), "SELECT * FROM generated", order=None)


def write_frame(frame: pd.DataFrame | pa.Table, folder: Path, select: str,
                order: str | None) -> GeneratedSource:
    """Write the rows of ``select`` (over the frame, registered as ``generated``) as one CSV
    per value of its ``_file`` column, sorted by ``order`` (which must end in a unique column
    so that the bytes are the same every run; None: the rows are already in order, see
    write_partitioned)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("generated", frame)
    files, rows = write_partitioned(con, select, order, folder)
    con.close()
    return GeneratedSource(folder.name, files, rows)
