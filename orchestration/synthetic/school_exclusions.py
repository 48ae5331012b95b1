"""Synthetic ``school_exclusions`` extracts: one CSV per upper-tier authority per month.

Each district gets primary and secondary schools (about 260 and 950 pupils) sharing the
district's pupils from ``school_pupils``. Suspensions run at about 9 per 100 pupils a year
(DfE, Suspensions and permanent exclusions in England, 2022/23: 9.3; primary about 2,
secondary about 19) and permanent exclusions at about 0.1 (primary 0.03, secondary 0.22),
rising from 2021/22 to 2023/24, higher in deprived areas and varying a lot between schools;
about 70-85% of suspended pupils are boys; the reasons follow the DfE shares (persistent
disruptive behaviour about 45%, physical assault about 27%). Exclusions fall on school days
(no weekends or holidays), fewest in July; a suspended pupil is often suspended again (about
2.3 suspensions per pupil suspended). No Python loop over records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.contracts.school_exclusions import SCHOOL_EXCLUSIONS
from orchestration.synthetic.base import (
    GeneratedSource,
    GenerationContext,
    arrow_table,
    coded,
    labels,
    sort_order,
)
from orchestration.synthetic.probation_caseload import (
    pick_rows,
    scramble,
    with_districts,
    write_frame,
)
from orchestration.synthetic.school_pupils import academic_year, pupil_counts

SOURCE = SCHOOL_EXCLUSIONS.source
ORDER = 50

PHASES = ("primary", "secondary")
PHASE_PUPIL_SHARE = np.array([0.55, 0.45])
SCHOOL_SIZE = np.array([260.0, 950.0])
# Per 100 pupils a year in 2022/23, by phase.
SUSPENSION_RATE = np.array([2.0, 18.9])
PERMANENT_RATE = np.array([0.03, 0.22])
# Relative to 2022/23, by the year the academic year begins (2020/21 was cut by lockdowns).
YEAR_FACTOR = {2018: 0.60, 2019: 0.47, 2020: 0.48, 2021: 0.74, 2022: 1.00, 2023: 1.17}
# Share of a year's exclusions in each month, September..August.
TERM_MONTHS = np.array([0.85, 1.15, 1.15, 0.70, 1.00, 0.95, 1.15, 0.70, 1.00, 1.00, 0.50, 0.0])
SUSPENSIONS_PER_PUPIL = 2.3
BOYS = np.array([0.85, 0.72])
# Age on 31 August before the academic year (its year group), by phase.
PRIMARY_AGES = (np.arange(4, 11), np.array([0.05, 0.07, 0.10, 0.13, 0.17, 0.22, 0.26]))
SECONDARY_AGES = (np.arange(11, 18), np.array([0.12, 0.18, 0.23, 0.24, 0.18, 0.03, 0.02]))
REASONS = np.array([
    "physical_assault_pupil", "physical_assault_adult", "verbal_abuse_pupil",
    "verbal_abuse_adult", "bullying", "racist_abuse", "sexual_misconduct", "drug_alcohol",
    "damage", "theft", "persistent_disruptive", "other",
])
SUSPENSION_REASONS = np.array([0.20, 0.07, 0.05, 0.11, 0.015, 0.015, 0.013, 0.03, 0.02, 0.007,
                               0.42, 0.05])
PERMANENT_REASONS = np.array([0.16, 0.11, 0.03, 0.08, 0.01, 0.005, 0.02, 0.13, 0.02, 0.01,
                              0.35, 0.065])
DAYS_LOST = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 10.0, 15.0])
DAYS_LOST_P = np.array([0.10, 0.42, 0.04, 0.16, 0.02, 0.11, 0.04, 0.08, 0.02, 0.01])
UPN_CHECK_LETTERS = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))


def school_days(first: pd.Timestamp, last: pd.Timestamp) -> np.ndarray:
    """Weekdays between two dates that fall in term, on a typical English school calendar."""
    days = pd.date_range(first, last, freq="D")
    md = days.month.to_numpy() * 100 + days.day.to_numpy()
    holiday = (
        (md >= 723) & (md <= 904)  # summer
        | (md >= 1024) & (md <= 1031)  # October half term
        | (md >= 1221) | (md <= 103)  # Christmas
        | (md >= 213) & (md <= 217)  # February half term
        | (md >= 401) & (md <= 414)  # Easter (roughly)
        | (md >= 527) & (md <= 531)  # May half term
    )
    return days[(days.day_of_week.to_numpy() < 5) & ~holiday].to_numpy()


def unique_pupil_number(index: np.ndarray) -> pa.Array:
    """A UPN for each pupil index: 12 digits scrambled from the index, after the check letter
    computed as the DfE specifies (weights 2..13 over characters 2..13, modulo 23); as Arrow
    text (built by Arrow, not a Python string per pupil)."""
    value = scramble(index, 10**12, 12)
    weighted = np.zeros(len(value), dtype=np.int64)
    rest = value.copy()
    for position in range(13, 1, -1):  # over the 12 digit positions, not over records
        weighted += (rest % 10) * position
        rest //= 10
    letters = pa.array(UPN_CHECK_LETTERS.tolist()).take(pa.array(weighted % 23))
    digits = pc.utf8_lpad(pa.array(value).cast(pa.string()), 12, "0")
    return pc.binary_join_element_wise(letters, digits, "")


def generate(ctx: GenerationContext) -> GeneratedSource:
    """Write ``landing/school_exclusions/<la_code>_<YYYY-MM>.csv`` per authority and month."""
    rng = ctx.rng(SOURCE)
    counts = pupil_counts(ctx)
    years = np.sort(counts["year"].unique())
    lsoas = with_districts(ctx.lsoas).sort_values(["lad_code", "lsoa_code"]).reset_index(
        drop=True)
    lads, lad_first = np.unique(lsoas["lad_code"].to_numpy(), return_index=True)
    pupils = counts.pivot(index="lad_code", columns="year", values="pupils").loc[lads].to_numpy()
    la_code = counts.drop_duplicates("lad_code").set_index("lad_code")["la_code"].loc[lads]

    # Schools: a phase, a district, a size share of the district's pupils of that phase, and
    # a level (deprivation of the school's LSOA, and a school's own behaviour policy).
    n_schools = np.maximum(1, np.round(pupils[:, :1] * PHASE_PUPIL_SHARE / SCHOOL_SIZE))
    n_schools = n_schools.astype(np.int64)  # districts × phases
    s_lad = np.repeat(np.repeat(np.arange(len(lads)), 2), n_schools.ravel())
    s_phase = np.repeat(np.tile(np.arange(2), len(lads)), n_schools.ravel())
    n = len(s_lad)
    if n > 50_000:
        raise ValueError("too many schools for six-digit URNs")
    size = rng.lognormal(0.0, 0.3, n)
    group = s_lad * 2 + s_phase
    size = size / np.bincount(group, weights=size, minlength=len(lads) * 2)[group]
    s_lsoa = pick_rows(lsoas["lsoa_population"].to_numpy(), lad_first, s_lad, rng)
    s_level = np.exp(-0.12 * (lsoas["imd_decile"].to_numpy()[s_lsoa] - 5.5)) * rng.lognormal(
        -0.08, 0.4, n)
    urn_number = 100_000 + scramble(np.arange(n), 50_000, 4)
    urn = urn_number.astype(str)

    # Expected exclusions per school and month of the period.
    months = ctx.months
    ay = academic_year(months)
    year_col = np.searchsorted(years, ay)
    factor = np.array([YEAR_FACTOR.get(int(y), 1.17 if y > 2023 else 0.6) for y in ay])
    term = TERM_MONTHS[(months.month.to_numpy() - 9) % 12] / TERM_MONTHS.sum()
    school_pupils = (pupils[s_lad][:, year_col] * PHASE_PUPIL_SHARE[s_phase][:, None]
                     * size[:, None])  # schools × months
    base = school_pupils / 100 * s_level[:, None] * (factor * term)[None, :]
    n_susp = rng.poisson(base * SUSPENSION_RATE[s_phase][:, None])
    n_perm = rng.poisson(base * PERMANENT_RATE[s_phase][:, None])
    per_cell = (n_susp + n_perm).ravel()
    school = np.repeat(np.repeat(np.arange(n), len(months)), per_cell)
    month = np.repeat(np.tile(np.arange(len(months)), n), per_cell)
    permanent = _permanent_flags(n_susp.ravel(), n_perm.ravel())
    total = len(school)
    if total == 0:  # a period of August only
        return GeneratedSource(SOURCE, 0, 0)

    # A school day of the month.
    days = school_days(months[0], months[-1] + pd.offsets.MonthEnd(0))
    day_month = (pd.DatetimeIndex(days).year.to_numpy() - months[0].year) * 12 + (
        pd.DatetimeIndex(days).month.to_numpy() - months[0].month)
    day_first = np.searchsorted(day_month, np.arange(len(months)))
    day_count = np.bincount(day_month, minlength=len(months))
    if np.any(day_count[month] == 0):
        raise ValueError("an exclusion fell in a month without school days")
    date = days[day_first[month] + (rng.random(total) * day_count[month]).astype(np.int64)]

    # Pupils: each school and academic year has a pool of pupils liable to exclusion; some
    # are excluded many times (the draw favours the first of the pool).
    cell_year = year_col[month]
    expected_year = (school_pupils[:, 0] / 100 * s_level * SUSPENSION_RATE[s_phase])
    pool = np.maximum(2, np.ceil(expected_year / SUSPENSIONS_PER_PUPIL)).astype(np.int64)
    pool_first = (np.cumsum(np.tile(pool, len(years))) - np.tile(pool, len(years)))
    pool_first = pool_first.reshape(len(years), n)
    slot = (pool[school] * rng.random(total) ** 1.7).astype(np.int64)
    pupil = pool_first[cell_year, school] + slot
    n_pupils = int(pool.sum()) * len(years)
    boy = rng.random(n_pupils) < BOYS[np.tile(s_phase, len(years))[
        np.repeat(np.arange(n * len(years)), np.tile(pool, len(years)))]]
    age_draw = rng.random(n_pupils)
    dob_draw = rng.random(n_pupils)
    phase = s_phase[school]
    ages = np.where(
        phase == 0,
        PRIMARY_AGES[0][np.minimum(np.searchsorted(
            np.cumsum(PRIMARY_AGES[1]) / PRIMARY_AGES[1].sum(), age_draw[pupil]), 6)],
        SECONDARY_AGES[0][np.minimum(np.searchsorted(
            np.cumsum(SECONDARY_AGES[1]) / SECONDARY_AGES[1].sum(), age_draw[pupil]), 6)],
    )
    # Born in the twelve months to the 31 August when the pupil was ``ages`` years old.
    born_by = ((years[cell_year] - ages - 1970).astype("datetime64[Y]").astype("datetime64[M]")
               + np.timedelta64(7, "M")).astype("datetime64[D]") + np.timedelta64(30, "D")
    dob = born_by - (dob_draw[pupil] * 365).astype("timedelta64[D]")

    reason = np.where(
        permanent,
        rng.choice(len(REASONS), size=total, p=PERMANENT_REASONS / PERMANENT_REASONS.sum()),
        rng.choice(len(REASONS), size=total, p=SUSPENSION_REASONS / SUSPENSION_REASONS.sum()),
    )
    days_lost = np.where(permanent, np.nan,
                         DAYS_LOST[rng.choice(len(DAYS_LOST), size=total, p=DAYS_LOST_P)])
    # The same pupil twice on one day at one school is one record: the first drawn is kept.
    # Then each file (an authority's month) by date, school and draw. Found with numpy:
    # URNs have six digits, so they sort as their numbers.
    pupils, pupil_code = np.unique(pupil, return_inverse=True)
    date = date.astype("datetime64[D]")
    day = (date - date.min()).astype(np.int64)
    by_record = sort_order(pupil_code, day, school)
    same = np.ones(max(len(by_record) - 1, 0), dtype=bool)  # as the record before it
    for key in (pupil_code, day, school):
        ordered = key[by_record]
        same &= ordered[1:] == ordered[:-1]
    firsts = np.flatnonzero(np.concatenate([[True], ~same]))  # the first drawn of each
    kept = np.sort(by_record[firsts])
    las, la_of_lad = coded(la_code.to_numpy())
    la = la_of_lad[s_lad[school[kept]]]
    row = kept[sort_order(la, day[kept], urn_number[school[kept]] - urn_number.min())]
    frame = arrow_table({
        "pupil_id": labels(pupil_code[row], unique_pupil_number(pupils)),
        "school_urn": labels(school[row], urn),
        "la_code": labels(la_of_lad[s_lad[school[row]]], las),
        "lad_code": labels(s_lad[school[row]], lads),
        "exclusion_date": date[row],
        "exclusion_type": labels(permanent[row], ["suspension", "permanent"]),
        "reason": labels(reason[row], REASONS),
        "days_lost": pa.array(days_lost[row], mask=np.isnan(days_lost[row])),
        "dob": dob[row],
        "pupil_sex": labels(boy[pupil[row]], ["F", "M"]),
    })
    return write_frame(
        frame, ctx.folder(SOURCE),
        """
        SELECT pupil_id, school_urn, la_code, lad_code,
               strftime(exclusion_date, '%Y-%m-%d') AS exclusion_date, exclusion_type, reason,
               days_lost, date_part('year', age(exclusion_date, dob))::INTEGER AS pupil_age,
               pupil_sex, la_code || '_' || strftime(exclusion_date, '%Y-%m') AS _file
        FROM generated
        """,
        order=None,  # rows already in the files' order
    )


def _permanent_flags(suspensions: np.ndarray, permanents: np.ndarray) -> np.ndarray:
    """Within each cell's run of exclusions, the suspensions first, then the permanent ones."""
    per_cell = suspensions + permanents
    position = np.arange(per_cell.sum()) - np.repeat(np.cumsum(per_cell) - per_cell, per_cell)
    return position >= np.repeat(suspensions, per_cell)
