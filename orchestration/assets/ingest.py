"""Ingest assets: one per source, loading its landing folder into ``raw.<source>``."""

from pathlib import Path

import dagster as dg

from orchestration.contracts import CONTRACTS, Contract
from orchestration.ingest import ingest_source
from orchestration.pseudonymise import pseudonym_key
from orchestration.resources import Warehouse
from orchestration.settings import landing_dir


class IngestConfig(dg.Config):
    landing: str | None = None  # another landing folder (``pvw run --landing DIR``)


def _ingest_asset(contract: Contract) -> dg.AssetsDefinition:
    @dg.asset(
        name=contract.source,
        group_name="ingest",
        kinds={"duckdb", "python"},
        description=f"{contract.agency.title()} extract `{contract.source}`: "
        f"{contract.description} Loaded into raw.{contract.source}; bad rows quarantined.",
    )
    def load(
        context: dg.AssetExecutionContext, config: IngestConfig, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        landing = Path(config.landing).resolve() if config.landing else landing_dir()
        con = warehouse.connect()
        try:
            results = ingest_source(
                con, contract, landing,
                progress=lambda r: context.log.info(f"{Path(r.file).name}: {r.message}"),
                key=pseudonym_key(Path(warehouse.home)),
            )
            total = con.execute(f"SELECT count(*) FROM raw.{contract.source}").fetchall()[0][0]
        finally:
            con.close()
        new = [r for r in results if r.status != "unchanged"]
        rejected = [r for r in new if r.status == "rejected"]
        for r in rejected:
            context.log.warning(f"rejected {r.file}: {r.message}")
        return dg.MaterializeResult(
            metadata={
                "landing": str(landing / contract.source),
                "files_new": len(new),
                "files_rejected": len(rejected),
                "rows_read": sum(r.rows_read for r in new),
                "rows_loaded": sum(r.rows_loaded for r in new),
                "rows_quarantined": sum(r.rows_quarantined for r in new),
                "rows_in_raw": total,
            }
        )

    return load


ingest_assets = [_ingest_asset(c) for c in CONTRACTS.values()]
