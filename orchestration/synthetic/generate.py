"""``pvw generate``: synthetic extracts for real partnerships, deterministic for a seed."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from orchestration import synthetic
from orchestration.reference import placeable_partnerships
from orchestration.settings import DEMO_MONTHS, DEMO_START
from orchestration.synthetic.base import (
    GeneratedSource,
    GenerationContext,
    stamp_arrival_times,
)
from orchestration.synthetic.defects import inject

# The demo's default partnerships: the Lancashire force area, whose real police.uk files the
# project also ships as fixtures.
DEMO_PARTNERSHIPS = ("E22000150", "E22000151", "E22000152", "E22000156", "E22000158")


def choose_partnerships(
    requested: str, seed: int, lsoas: pd.DataFrame | None = None
) -> list[str]:
    """'demo', 'all', a count N (drawn with the seed), or a comma-separated list of codes,
    among the partnerships of ``lsoas`` (default: every placeable one)."""
    lsoas = placeable_partnerships() if lsoas is None else lsoas
    available = lsoas["csp_code"].drop_duplicates().sort_values().tolist()
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


def generators() -> list[ModuleType]:
    """Every generator module of this package (see synthetic/base.py), in run order."""
    found = []
    for info in pkgutil.iter_modules(synthetic.__path__):
        module = importlib.import_module(f"{synthetic.__name__}.{info.name}")
        if hasattr(module, "SOURCE") and hasattr(module, "generate"):
            found.append(module)
    return sorted(found, key=lambda m: (m.ORDER, m.SOURCE))


def generate(
    landing: Path, partnerships: str = "demo", start: str = DEMO_START, months: int = DEMO_MONTHS,
    seed: int = 20261123, sources: list[str] | None = None,
    progress: Callable[[GeneratedSource], None] | None = None, defects: float = 0.0,
) -> list[GeneratedSource]:
    """Write every source (or the ``sources`` named) for the chosen partnerships; with
    ``defects`` > 0, agency extracts (not published tables) carry real-world faults."""
    if months < 1:
        raise ValueError("--months must be at least 1")
    try:
        first = pd.Timestamp(start + "-01")
    except ValueError as exc:
        raise ValueError(f"--start must be YYYY-MM, not {start!r}") from exc
    lsoas = placeable_partnerships()
    codes = choose_partnerships(partnerships, seed, lsoas)
    lsoas = lsoas[lsoas["csp_code"].isin(codes)].reset_index(drop=True)
    landing.mkdir(parents=True, exist_ok=True)
    ctx = GenerationContext(
        lsoas=lsoas, landing=landing,
        months=pd.date_range(first, periods=months, freq="MS"), seed=seed,
    )
    modules = generators()
    known = [m.SOURCE for m in modules]
    unknown = sorted(set(sources or []) - set(known))
    if unknown:
        raise ValueError(f"no generator for {', '.join(unknown)} (known: {', '.join(known)})")
    results = []
    for module in modules:
        if sources is None or module.SOURCE in sources:
            result = module.generate(ctx)
            results.append(result)
            if progress:
                progress(result)
    if defects:
        agency = [m.SOURCE for m in modules if not getattr(m, "PUBLISHED", False)
                  and (sources is None or m.SOURCE in sources)]
        inject(landing, agency, defects, seed)
    # last, once no file is written again: each file's modification time is when it arrived
    stamp_arrival_times(landing, [r.source for r in results], seed)
    return results
