"""``pvw generate``: synthetic extracts for real partnerships, deterministic for a seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.reference import placeable_partnerships
from orchestration.synthetic.police_crimes import GeneratedSource, generate_police_crimes

# The demo's default partnerships: the Lancashire force area, whose real police.uk files the
# project also ships as fixtures.
DEMO_PARTNERSHIPS = ("E22000150", "E22000151", "E22000152", "E22000156", "E22000158")


def choose_partnerships(requested: str, seed: int) -> list[str]:
    """'demo', 'all', a count N (drawn with the seed), or a comma-separated list of codes."""
    available = placeable_partnerships()["csp_code"].drop_duplicates().sort_values().tolist()
    if requested == "demo":
        return list(DEMO_PARTNERSHIPS)
    if requested == "all":
        return available
    if requested.isdigit():
        count = int(requested)
        if not 1 <= count <= len(available):
            raise ValueError(f"--partnerships must be between 1 and {len(available)}")
        rng = np.random.default_rng(seed)
        return sorted(rng.choice(available, size=count, replace=False).tolist())
    codes = [c.strip() for c in requested.split(",") if c.strip()]
    unknown = [c for c in codes if c not in available]
    if unknown:
        raise ValueError("unknown or unplaceable partnership code(s): " + ", ".join(unknown))
    return codes


def generate(
    landing: Path, partnerships: str = "demo", start: str = "2022-04", months: int = 24,
    seed: int = 20261123,
) -> list[GeneratedSource]:
    """Write every implemented source for the chosen partnerships into ``landing``."""
    if months < 1:
        raise ValueError("--months must be at least 1")
    codes = choose_partnerships(partnerships, seed)
    lsoas = placeable_partnerships()
    lsoas = lsoas[lsoas["csp_code"].isin(codes)].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    landing.mkdir(parents=True, exist_ok=True)
    # A force's files are written whole by one batch; batches of about five million
    # residents keep memory flat however many partnerships are asked for.
    files = rows = 0
    for batch in _force_batches(lsoas):
        part = generate_police_crimes(batch, landing, start, months, rng)
        files, rows = files + part.files, rows + part.rows
    return [GeneratedSource("police_crimes", files, rows)]


def _force_batches(lsoas: pd.DataFrame, residents: float = 5e6) -> list[pd.DataFrame]:
    by_force = lsoas.groupby("force_code", sort=True)["lsoa_population"].sum()
    batch_of = (by_force.cumsum() // residents).rename("batch")
    merged = lsoas.merge(batch_of, left_on="force_code", right_index=True)
    return [g.drop(columns="batch").reset_index(drop=True) for _, g in merged.groupby("batch")]
