"""Loading landing files into the warehouse: contract validation, quarantine, load log."""

from orchestration.ingest.loader import FileResult, ingest_source

__all__ = ["FileResult", "ingest_source"]
