"""Generate the lookup of exact Poisson confidence limits for small counts.

What it is: for an observed count x of 0 to 9 and a confidence level of 95% or 99.8%, the exact
(chi-squared) Poisson confidence limits of the count:

    lower_count = chi2.ppf((1 - c) / 2, df = 2x) / 2         (0 when x = 0)
    upper_count = chi2.ppf(c + (1 - c) / 2, df = 2x + 2) / 2

Public-health indicator methods (PHE/OHID Fingertips, as implemented by the R package
PHEindicatormethods and its Python port phstatsmethods; see docs/methods.md and the project's
shared METHODS.md) use these exact limits for rates whose count is below 10 and Byar's
approximation from 10 up. Below 10 there are only ten possible counts, so the chi-squared
quantiles are computed here once, with scipy, and shipped as the dbt seed
``seeds/reference/poisson_exact_limits.csv``: the macros in
``dbt_project/macros/statistics/`` then need nothing but SQL.

Floats are written with ``repr`` (the shortest string that reads back as the same double), so
the seed carries full double precision. A unit test (tests/unit/test_statistics_methods.py)
checks that the committed CSV equals what this module produces.

Usage: ``python -m orchestration.reference_data.poisson_exact_limits [<output-csv>]``
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from scipy.stats import chi2

from orchestration.settings import REPO_ROOT

OUTPUT = REPO_ROOT / "seeds" / "reference" / "poisson_exact_limits.csv"
COLUMNS = ("observed", "confidence", "lower_count", "upper_count")
OBSERVED = range(10)  # Byar's approximation takes over from 10
CONFIDENCE_LEVELS = (0.95, 0.998)


def exact_limits(observed: int, confidence: float) -> tuple[float, float]:
    """Exact Poisson (chi-squared) lower and upper limits of a count, on the count scale."""
    if observed < 0:
        raise ValueError(f"observed count must be >= 0, got {observed}")
    lower = 0.0 if observed == 0 else float(chi2.ppf((1 - confidence) / 2, 2 * observed)) / 2
    upper = float(chi2.ppf(confidence + (1 - confidence) / 2, 2 * observed + 2)) / 2
    return lower, upper


def rows() -> list[tuple[int, float, float, float]]:
    """Every (observed, confidence, lower_count, upper_count), ordered by confidence then count."""
    return [
        (observed, confidence, *exact_limits(observed, confidence))
        for confidence in CONFIDENCE_LEVELS
        for observed in OBSERVED
    ]


def render() -> str:
    """The CSV text of the seed (header line, then one line per row, '\\n' line endings)."""
    lines = [",".join(COLUMNS)]
    lines += [
        f"{observed},{confidence!r},{lower!r},{upper!r}"
        for observed, confidence, lower, upper in rows()
    ]
    return "\n".join(lines) + "\n"


def write(path: Path = OUTPUT) -> Path:
    """Write the seed CSV to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8", newline="")
    return path


def read(path: Path = OUTPUT) -> list[tuple[int, float, float, float]]:
    """Read a seed CSV back as typed rows."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            (int(r["observed"]), float(r["confidence"]),
             float(r["lower_count"]), float(r["upper_count"]))
            for r in csv.DictReader(handle)
        ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = write(Path(args[0]) if args else OUTPUT)
    print(f"wrote {len(rows())} rows to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
