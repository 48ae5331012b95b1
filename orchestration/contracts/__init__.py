"""Extract contracts: one definition per source, read by the loader, the generator,
the data-quality checks and the documentation.

Each module of this package (but ``base``) defines ``CONTRACT``; they are collected here,
so adding a source means adding one module.
"""

from __future__ import annotations

import importlib
import pkgutil

from orchestration.contracts.base import Contract, Field


def _collect() -> dict[str, Contract]:
    found: dict[str, Contract] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        contract = getattr(module, "CONTRACT", None)
        if isinstance(contract, Contract):
            found[contract.source] = contract
    return found


CONTRACTS: dict[str, Contract] = _collect()
POLICE_CRIMES: Contract = CONTRACTS["police_crimes"]

__all__ = ["CONTRACTS", "POLICE_CRIMES", "Contract", "Field"]
