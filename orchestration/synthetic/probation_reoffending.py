"""Synthetic ``probation_reoffending`` extracts: one CSV per cohort quarter.

A quarter's cohort is everyone who started a community order or suspended sentence, or was
released on licence, in the quarter (the same people, with the same CRNs, as the caseload
generator's spells: they link across the two extracts after hashing), plus about as many again
who were cautioned or given a fine or other non-supervised disposal (new people from the same
reference-number scheme). Proven reoffending within 12 months runs at about 25% overall and
about 30% after a violent index offence, higher after theft and after custody, lower after a
caution (Ministry of Justice, Proven reoffending statistics, adults, 2021-22, roughly); a
reoffender commits about 3.7 proven reoffences on average. Only quarters lying wholly inside
the generated period are written (a real quarter's file arrives once its 18 months of
follow-up have passed; the synthetic demo does not wait).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.contracts.probation_reoffending import PROBATION_REOFFENDING
from orchestration.synthetic.base import (
    GeneratedSource,
    GenerationContext,
    arrow_table,
    coded,
    labels,
    sort_order,
)
from orchestration.synthetic.probation_caseload import (
    CRN_OTHER_PEOPLE,
    OFFENCE_GROUPS,
    crn_number,
    deprivation_level,
    draw_spells,
    pick_rows,
    reference_text,
    with_districts,
    write_frame,
)

SOURCE = PROBATION_REOFFENDING.source
ORDER = 41

SUPERVISED = ("community_order", "suspended_sentence", "licence")
# People cautioned or given a non-supervised sentence, per resident per quarter (the adult
# cohort is about 80,000 a quarter in England and Wales, a little over half of it this kind).
OTHER_RATE = 0.0008
OTHER_OFFENCE_SHARE = np.array([0.25, 0.02, 0.01, 0.05, 0.17, 0.22, 0.28])
OTHER_OFFENCE_SHARE = OTHER_OFFENCE_SHARE / OTHER_OFFENCE_SHARE.sum()
# Chance of a proven reoffence within 12 months by index offence group (as OFFENCE_GROUPS) ...
REOFFENDING_BY_OFFENCE = np.array([0.30, 0.13, 0.30, 0.28, 0.21, 0.38, 0.18])
# ... scaled by the disposal: community order, suspended sentence, licence, other.
REOFFENDING_BY_DISPOSAL = np.array([1.12, 1.00, 1.25, 0.85])
MEAN_REOFFENCES = 3.7  # per reoffender


def generate(ctx: GenerationContext) -> GeneratedSource:
    """Write ``landing/probation_reoffending/reoffending_<YYYY-MM>.csv`` per cohort quarter."""
    # ctx.rng keys a stream on the first eight bytes of the source name, which this source
    # shares with probation_caseload ("probatio"): a spawned child stream is independent.
    rng = ctx.rng(SOURCE).spawn(1)[0]
    months = ctx.months
    quarter_starts = months[(months.month % 3 == 1)
                            & (months + pd.DateOffset(months=2) <= months[-1])]
    folder = ctx.folder(SOURCE)
    if len(quarter_starts) == 0:
        return GeneratedSource(SOURCE, 0, 0)
    quarter_of_month = np.searchsorted(quarter_starts.to_numpy(), months.to_numpy(),
                                       side="right") - 1
    in_quarter = (quarter_of_month >= 0) & (
        months.to_numpy() < (quarter_starts[-1] + pd.DateOffset(months=3)).to_datetime64())

    # Supervised starts of the caseload: the month a spell starts decides its quarter.
    spells = draw_spells(ctx)
    start = spells["start_index"].to_numpy()
    chosen = (start >= 0) & spells["order_type"].isin(SUPERVISED).to_numpy()
    chosen[chosen] = in_quarter[start[chosen]]
    supervised = pd.DataFrame({
        "person_index": spells["person_index"].to_numpy()[chosen],
        "quarter": quarter_of_month[start[chosen]],
        "lad_code": spells["lad_code"].to_numpy()[chosen],
        "offence": pd.Categorical(spells["offence_group"].to_numpy()[chosen],
                                  categories=OFFENCE_GROUPS).codes.astype(np.int64),
        "disposal": pd.Categorical(spells["order_type"].to_numpy()[chosen],
                                   categories=SUPERVISED).codes.astype(np.int64),
    })

    # Everyone else in the cohort: in proportion to population, more where more deprived.
    lsoas = with_districts(ctx.lsoas)
    codes = lsoas["csp_code"].to_numpy()
    partnerships, first = np.unique(codes, return_index=True)
    population = np.add.reduceat(lsoas["lsoa_population"].to_numpy(), first)
    level = deprivation_level(lsoas, codes, first, 0.08)
    n = rng.poisson((population * level * OTHER_RATE)[:, None]
                    * np.ones(len(quarter_starts))[None, :])
    p_idx = np.repeat(np.repeat(np.arange(len(partnerships)), len(quarter_starts)), n.ravel())
    q_idx = np.repeat(np.tile(np.arange(len(quarter_starts)), len(partnerships)), n.ravel())
    weights = lsoas["lsoa_population"].to_numpy() * np.exp(
        -0.15 * (lsoas["imd_decile"].to_numpy() - 5.5))
    row = pick_rows(weights, first, p_idx, rng)
    others = pd.DataFrame({
        "person_index": CRN_OTHER_PEOPLE + np.arange(len(p_idx)),
        "quarter": q_idx,
        "lad_code": lsoas["lad_code"].to_numpy()[row],
        "offence": rng.choice(len(OFFENCE_GROUPS), size=len(p_idx), p=OTHER_OFFENCE_SHARE),
        "disposal": np.full(len(p_idx), 3),
    })
    cohort = pd.concat([supervised, others], ignore_index=True)
    total = len(cohort)
    chance = REOFFENDING_BY_OFFENCE[cohort["offence"].to_numpy()] * REOFFENDING_BY_DISPOSAL[
        cohort["disposal"].to_numpy()]
    reoffended = rng.random(total) < chance
    reoffences = np.where(reoffended,
                          np.minimum(rng.geometric(1 / MEAN_REOFFENCES, total), 200), 0)
    label = np.char.add(np.char.add(quarter_starts.year.astype(str).to_numpy(), "-Q"),
                        ((quarter_starts.month.to_numpy() - 1) // 3 + 1).astype(str))
    # Each file (a quarter) by district, then person_id: its order is that of the number the
    # reference is made from (see probation_caseload.generate); the rows in that order.
    crn = crn_number(cohort["person_index"].to_numpy())
    lads, lad = coded(cohort["lad_code"])
    quarter = cohort["quarter"].to_numpy()
    row = sort_order(quarter, lad, crn)
    frame = arrow_table({
        "person_id": reference_text(crn[row]),
        "cohort_quarter": labels(quarter[row], label),
        "lad_code": labels(lad[row], lads),
        "offence_group": labels(cohort["offence"].to_numpy()[row], OFFENCE_GROUPS),
        "reoffended": labels(reoffended[row], ["N", "Y"]),
        "reoffences": reoffences[row],
        "_file": labels(quarter[row],
                        np.char.add("reoffending_", quarter_starts.strftime("%Y-%m").to_numpy()
                                    .astype(str))),
    })
    return write_frame(frame, folder, "SELECT * FROM generated", order=None)
