"""Extract contracts: one definition per source, read by the loader, the generator,
the data-quality checks and the documentation."""

from orchestration.contracts.base import Contract, Field
from orchestration.contracts.police_crimes import POLICE_CRIMES

CONTRACTS: dict[str, Contract] = {c.source: c for c in (POLICE_CRIMES,)}

__all__ = ["CONTRACTS", "Contract", "Field", "POLICE_CRIMES"]
