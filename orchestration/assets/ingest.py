"""Ingest assets: one per source, loading its landing folder into ``raw.<source>``."""

import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from orchestration.contracts import CONTRACTS, Contract
from orchestration.ingest import FileResult, ingest_source
from orchestration.ingest.ops_tables import ensure_ops_tables
from orchestration.pseudonymise import pseudonym_key
from orchestration.resources import Warehouse
from orchestration.settings import landing_dir


class IngestConfig(dg.Config):
    landing: str | None = None  # another landing folder (``pvw run --landing DIR``)


def _progress(context: dg.AssetExecutionContext, every: float = 5.0
              ) -> Callable[[FileResult], None]:
    """A progress line at most every ``every`` seconds, not one per file: national scale has
    tens of thousands of files, and every log line is an event Dagster stores (a few ms each).
    Rejected and skipped files get their own warning once the load ends."""
    seen = {"files": 0, "read": 0, "rows": 0, "at": time.monotonic()}

    def progress(result: FileResult) -> None:
        seen["files"] += 1
        if result.status in ("unchanged", "skipped"):
            return
        seen["read"] += 1
        seen["rows"] += result.rows_read
        if time.monotonic() - seen["at"] >= every:
            seen["at"] = time.monotonic()
            context.log.info(f"{seen['files']} files met, {seen['read']} read "
                             f"({seen['rows']:,} rows); last: {Path(result.file).name}: "
                             f"{result.message}")

    return progress


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
            results = ingest_source(con, contract, landing, progress=_progress(context),
                                    key=pseudonym_key(Path(warehouse.home)))
            total = con.execute(f"SELECT count(*) FROM raw.{contract.source}").fetchall()[0][0]
        finally:
            con.close()
        new = [r for r in results if r.status not in ("unchanged", "skipped")]
        rejected = [r for r in new if r.status == "rejected"]
        unchanged = len(results) - len(new) - sum(r.status == "skipped" for r in results)
        context.log.info(f"{len(new)} files read ({sum(r.rows_loaded for r in new):,} rows "
                         f"loaded, {sum(r.rows_quarantined for r in new):,} quarantined, "
                         f"{len(rejected)} files rejected); {unchanged} already loaded, "
                         "not read again")
        for r in rejected:
            context.log.warning(f"rejected {r.file}: {r.message}")
        skipped = [r for r in results if r.status == "skipped"]
        for r in skipped:
            context.log.warning(f"skipped {r.file}: {r.message}")
        return dg.MaterializeResult(
            metadata={
                "landing": str(landing / contract.source),
                "files_new": len(new),
                "files_rejected": len(rejected),
                "files_skipped": len(skipped),
                "rows_read": sum(r.rows_read for r in new),
                "rows_loaded": sum(r.rows_loaded for r in new),
                "rows_quarantined": sum(r.rows_quarantined for r in new),
                "rows_in_raw": total,
            }
        )

    return load


def _ingest_checks(contract: Contract) -> list[dg.AssetChecksDefinition]:
    """Per-source checks the UI shows beside each agency's load (warnings: they do not stop
    publishing, but say which agency's data is bad)."""
    key = dg.AssetKey(contract.source)

    @dg.asset_check(asset=key, name="no_rejected_files",
                    description="No landing file of this source was rejected whole.")
    def no_rejected_files(warehouse: Warehouse) -> dg.AssetCheckResult:
        rows = _query(warehouse, "SELECT file, message FROM ops.load_log "
                      "WHERE source = ? AND status = 'rejected' ORDER BY loaded_at", contract)
        return dg.AssetCheckResult(
            passed=not rows, severity=dg.AssetCheckSeverity.WARN,
            description="; ".join(f"{Path(f).name}: {m}" for f, m in rows[:5]) or "none",
            metadata={"rejected_files": len(rows)},
        )

    @dg.asset_check(asset=key, name="quarantine_below_5_percent",
                    description="Fewer than 5% of the rows read were quarantined.")
    def quarantine_share(warehouse: Warehouse) -> dg.AssetCheckResult:
        rows = _query(warehouse, "SELECT coalesce(sum(rows_read), 0), "
                      "coalesce(sum(rows_quarantined), 0) FROM ops.load_log "
                      "WHERE source = ? AND status = 'loaded'", contract)
        read, quarantined = rows[0] if rows else (0, 0)
        share = quarantined / read if read else 0.0
        return dg.AssetCheckResult(
            passed=share < 0.05, severity=dg.AssetCheckSeverity.WARN,
            description=f"{quarantined} of {read} rows quarantined ({share:.1%})",
            metadata={"rows_read": read, "rows_quarantined": quarantined, "share": share},
        )

    return [no_rejected_files, quarantine_share]


def _query(warehouse: Warehouse, sql: str, contract: Contract) -> list[tuple]:
    con = warehouse.connect()
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                           "table_schema = 'ops' AND table_name = 'load_log'").fetchall()[0][0]:
            return []
        return con.execute(sql, [contract.source]).fetchall()
    finally:
        con.close()


ingest_assets = [_ingest_asset(c) for c in CONTRACTS.values()]
ingest_checks = [check for c in CONTRACTS.values() for check in _ingest_checks(c)]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["ops", "load_log"], group_name="ingest", kinds={"duckdb"},
            deps=[a.key for a in ingest_assets],
            description="ops.load_log: every landing file each load has seen, with its SHA-256, "
            "rows read, loaded and quarantined, status and when it was received. Written by "
            "every ingest asset; read by the data-sharing models.",
        ),
        dg.AssetSpec(
            ["ops", "quarantine"], group_name="ingest", kinds={"duckdb"},
            deps=[a.key for a in ingest_assets],
            description="ops.quarantine: every row a load set aside, with its file, line and "
            "reasons. Written by every ingest asset; read by the data-sharing models.",
        ),
    ],
)
def ingest_log(warehouse: Warehouse):
    """The loader's own tables, once every source has loaded: their row counts."""
    con = warehouse.connect()
    try:
        ensure_ops_tables(con)
        files, rejected = con.execute(
            "SELECT count(*), count(*) FILTER (status = 'rejected') FROM ops.load_log"
        ).fetchall()[0]
        quarantined = con.execute("SELECT count(*) FROM ops.quarantine").fetchall()[0][0]
    finally:
        con.close()
    yield dg.MaterializeResult(asset_key=["ops", "load_log"],
                               metadata={"files": files, "files_rejected": rejected})
    yield dg.MaterializeResult(asset_key=["ops", "quarantine"],
                               metadata={"rows_quarantined": quarantined})
