"""An ingest step logs a summary and a progress line now and then, not a line per file: every
log line is an event Dagster stores, and national scale has tens of thousands of files
(issue 7: a refresh spent 5 s per source logging the files it did not read)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.assets.ingest import ingest_assets
from orchestration.resources import Warehouse
from tests.unit.test_loader import HEADER, row, write


def test_an_ingest_step_logs_a_summary_not_a_line_per_file(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    for n in range(40):
        write(landing, f"E23000003_{2020 + n // 12}-{n % 12 + 1:02d}.csv",
              HEADER + "\n" + row(f"L{n}/1", recorded_date=f"{2020 + n // 12}-{n % 12 + 1:02d}-02",
                                  occurred_at=f"{2020 + n // 12}-{n % 12 + 1:02d}-01 10:00") + "\n")
    write(landing, "E23000003_2024-05.csv", "")  # rejected: warned about by name
    [asset] = [a for a in ingest_assets if a.key == dg.AssetKey("police_crimes")]
    home = tmp_path / "home"

    def messages() -> list[str]:
        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize(
            [asset], resources={"warehouse": Warehouse(home=str(home))}, instance=instance,
            run_config={"ops": {asset.op.name: {"config": {"landing": str(landing)}}}})
        assert result.success
        return [e.user_message for e in instance.all_logs(result.run_id)
                if not e.is_dagster_event and "E23000003" in e.user_message
                or "files read" in e.user_message]

    first = messages()
    assert [m for m in first if "files read" in m] == [
        "41 files read (40 rows loaded, 0 quarantined, 1 files rejected); 0 already loaded, "
        "not read again"]
    assert [m for m in first if "files read" not in m and "files met" not in m] == [
        f"rejected {landing / 'police_crimes' / 'E23000003_2024-05.csv'}: "
        "the file is empty (no header line)"]
    again = messages()
    assert [m for m in again if "files read" in m] == [
        "1 files read (0 rows loaded, 0 quarantined, 1 files rejected); 40 already loaded, "
        "not read again"]
