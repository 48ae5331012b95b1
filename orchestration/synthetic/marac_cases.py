"""Synthetic ``marac_cases`` extracts: one CSV per partnership per month of conferences.

MARACs hear about 40 cases a year per 10,000 adult women (SafeLives, MARAC national dataset,
2022-23: 41), adult women being about 41% of residents; more in deprived areas. About a third
of victims are heard again, most within a year, so that about 30% of cases are repeats within
12 months (SafeLives: 31%): victims are drawn with a first case (from two years before the
period, so the period opens with victims already known), then a chain of later cases spaced a
few months apart. The repeat flag is not written: the models derive it. Each partnership's
MARAC sits on a fixed weekday, weekly or fortnightly; a case is heard at the first conference
at least three days after its referral. Police refer about two thirds of cases; about 95% of
victims are women; victims aged 25-34 are the largest group. No Python loop over records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.contracts.marac_cases import AGE_BANDS, MARAC_CASES
from orchestration.synthetic.base import GeneratedSource, GenerationContext
from orchestration.synthetic.probation_caseload import (
    deprivation_level,
    scramble,
    write_frame,
)

SOURCE = MARAC_CASES.source
ORDER = 60

ADULT_WOMEN_SHARE = 0.41
CASES_PER_ADULT_WOMAN = 40 / 10_000  # a year
CONTINUE = 0.36  # chance that a victim's case is followed by another
MEAN_GAP_DAYS = 120  # after the earliest possible rehearing (three weeks)
BURN_IN = 24  # months of first cases before the period
AGENCIES = np.array(["police", "idva", "health", "children_social_care", "housing",
                     "probation", "other"])
AGENCY_P = np.array([0.63, 0.12, 0.06, 0.06, 0.03, 0.01, 0.09])
AGE_P = np.array([0.02, 0.19, 0.33, 0.24, 0.13, 0.05, 0.04])
CHILDREN_P = np.array([0.40, 0.22, 0.20, 0.10, 0.05, 0.02, 0.01])  # 0..6 children
SEASON = np.array([1.02, 0.95, 1.00, 0.98, 1.00, 1.02, 1.03, 1.02, 0.98, 1.00, 0.97, 1.03])


def generate(ctx: GenerationContext) -> GeneratedSource:
    """Write ``landing/marac_cases/<partnership_code>_<YYYY-MM>.csv`` per partnership/month."""
    rng = ctx.rng(SOURCE)
    lsoas = ctx.lsoas
    codes = lsoas["csp_code"].to_numpy()
    partnerships, first = np.unique(codes, return_index=True)
    population = np.add.reduceat(lsoas["lsoa_population"].to_numpy(), first)
    level = deprivation_level(lsoas, codes, first, 0.06) * rng.lognormal(
        0.0, 0.10, len(partnerships))
    annual = population * ADULT_WOMEN_SHARE * CASES_PER_ADULT_WOMAN * level

    # Victims' first cases: a chain of cases averages 1 / (1 - CONTINUE) cases.
    months = pd.date_range(ctx.months[0] - pd.DateOffset(months=BURN_IN),
                           periods=BURN_IN + len(ctx.months), freq="MS")
    days_in = months.days_in_month.to_numpy()
    expected = (annual * (1 - CONTINUE) / 365.25)[:, None] * (
        days_in * SEASON[months.month.to_numpy() - 1])[None, :]
    n = rng.poisson(expected)
    v_part = np.repeat(np.repeat(np.arange(len(partnerships)), len(months)), n.ravel())
    v_month = np.repeat(np.tile(np.arange(len(months)), len(partnerships)), n.ravel())
    victims = len(v_part)
    first_day = months.to_numpy()[v_month].astype("datetime64[D]") + (
        rng.random(victims) * days_in[v_month]).astype("timedelta64[D]")
    later = rng.geometric(1 - CONTINUE, victims) - 1  # further cases after the first
    age_band = rng.choice(len(AGE_BANDS), size=victims, p=AGE_P)
    sex = np.where(rng.random(victims) < 0.95, "F", "M")
    children = rng.choice(len(CHILDREN_P), size=victims, p=CHILDREN_P)
    # a young victim rarely lives with several children of her own
    children = np.where(age_band == 0, np.minimum(children, 1), children)
    victim_ref = np.char.add("MV", np.char.zfill(
        scramble(np.arange(victims), 10**8, 8).astype(str), 8)) if victims else np.array([""])

    # Each victim's chain: the first case, then gaps of three weeks plus a few months.
    per_victim = 1 + later
    victim = np.repeat(np.arange(victims), per_victim)
    total = len(victim)
    gap = np.where(
        np.arange(total) == np.repeat(np.cumsum(per_victim) - per_victim, per_victim),
        0, 21 + rng.exponential(MEAN_GAP_DAYS, total).astype(np.int64))
    cum = np.cumsum(gap)
    since_first = cum - np.repeat(cum[np.cumsum(per_victim) - per_victim], per_victim)
    referred = first_day[victim] + since_first.astype("timedelta64[D]")

    # The partnership's conference: a weekday (Tuesday to Thursday), weekly where the MARAC
    # hears more than about 8 cases a week, else fortnightly.
    weekday = rng.integers(1, 4, len(partnerships))
    period = np.where(annual > 420, 7, 14)
    phase = (weekday + 7 * rng.integers(0, 2, len(partnerships))) % period
    p = v_part[victim]
    # Day numbers from Monday 1970-01-05, so that day % 7 is the weekday (Monday = 0).
    earliest = (referred + np.timedelta64(3, "D") - np.datetime64("1970-01-05")).astype(np.int64)
    heard = earliest + (phase[p] - earliest) % period[p]
    conference = np.datetime64("1970-01-05") + heard.astype("timedelta64[D]")

    frame = pd.DataFrame({
        "partnership_code": partnerships[p],
        "conference_date": conference,
        "victim_id": victim_ref[victim],
        "referring_agency": AGENCIES[rng.choice(len(AGENCIES), size=total, p=AGENCY_P)],
        "victim_age_band": np.array(AGE_BANDS)[age_band[victim]],
        "victim_sex": sex[victim],
        "children_in_household": children[victim],
        "_seq": np.arange(total),
    })
    last_day = (ctx.months[-1] + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
    first_day_sql = ctx.months[0].strftime("%Y-%m-%d")
    return write_frame(
        frame, ctx.folder(SOURCE),
        f"""
        WITH heard AS (
            SELECT * FROM generated
            WHERE conference_date BETWEEN DATE '{first_day_sql}' AND DATE '{last_day}'
            -- a victim is heard once at a conference, however many referrals reached it
            QUALIFY row_number() OVER (
                PARTITION BY victim_id, conference_date ORDER BY _seq) = 1
        )
        SELECT
            partnership_code || '/' || strftime(conference_date, '%Y%m') || '/'
                || lpad(row_number() OVER (
                       PARTITION BY partnership_code, strftime(conference_date, '%Y%m')
                       ORDER BY conference_date, _seq)::VARCHAR, 4, '0') AS case_id,
            strftime(conference_date, '%Y-%m-%d') AS conference_date,
            partnership_code, victim_id, referring_agency, victim_age_band, victim_sex,
            children_in_household,
            partnership_code || '_' || strftime(conference_date, '%Y-%m') AS _file, _seq
        FROM heard
        """,
        order="_file, case_id, _seq",
    )
