"""Incremental builds give the figures a full build gives (issue 7: a monthly refresh
recomputes only what changed).

One partnership, two months (January and February), built by `pvw run`. Then a third month
arrives for every source, which completes the quarter January to March, and a corrected police
extract is sent again: it drops one crime (whose only version is withdrawn) and changes
another. `pvw run` builds incrementally (the Dagster run says so) only what the new files
reach. A fourth month completes no period: the counts by period are the same, and what is
computed from them is left as it was (kept_table). A run with nothing new rebuilds nothing,
and every table of the warehouse's intermediate, marts and analytics schemas is compared, row
for row, with a full build (`--full-refresh`) of the same loaded data.
"""

from __future__ import annotations

import csv
import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import warehouse_path
from tests.conftest import run_pvw
from tests.warehouse_snapshot import _norm

pytestmark = pytest.mark.integration

PARTNERSHIP = "E22000150"
SCHEMAS = ("intermediate", "marts", "analytics")


def _tables(db: Path) -> dict[tuple[str, str], list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            f"WHERE table_schema IN {SCHEMAS} AND table_type = 'BASE TABLE' ORDER BY 1, 2"
        ).fetchall()
        # built_at is when the build that wrote a row started: the one column that differs
        columns = {(s, t): "* EXCLUDE (built_at)" if (s, t, "built_at") in set(con.execute(
                       "SELECT table_schema, table_name, column_name "
                       "FROM information_schema.columns").fetchall()) else "*"
                   for s, t in names}
        return {(s, t): [tuple(_norm(v) for v in row) for row in con.execute(
                    f'SELECT {columns[s, t]} FROM {s}."{t}" ORDER BY ALL').fetchall()]
                for s, t in names}
    finally:
        con.close()


def _last_build(db: Path) -> tuple[set[str], int]:
    """The crimes of marts.fct_police_crimes that its last build wrote (the rows its tests
    check: macros/tests_of_incremental_models.sql), and how many crimes it holds."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        written = {r[0] for r in con.execute(
            "SELECT crime_reference FROM marts.fct_police_crimes "
            "WHERE built_at = (SELECT max(built_at) FROM marts.fct_police_crimes)").fetchall()}
        return written, con.execute("SELECT count(*) FROM marts.fct_police_crimes").fetchone()[0]
    finally:
        con.close()


def _dbt_messages(home: Path) -> list[str]:
    """The dbt step's messages in the home's latest Dagster run."""
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home / "dagster")) as instance:
        run_id = instance.get_runs(limit=1)[0].run_id
        return [r.user_message for r in instance.all_logs(run_id)
                if r.step_key == "pvw_dbt_models" and r.user_message]


def _materialized(home: Path) -> dict[str, bool]:
    """The dbt models and seeds of the home's latest run: rebuilt or left as they were."""
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.from_config(str(home / "dagster")) as instance:
        run_id = instance.get_runs(limit=1)[0].run_id
        out = {}
        for record in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
            if record.step_key != "pvw_dbt_models":
                continue
            event = record.asset_materialization
            rebuilt = event.metadata.get("rebuilt")
            out[event.asset_key.to_user_string()] = rebuilt is None or bool(rebuilt.value)
        return out


def _checks_run(home: Path) -> set[str]:
    """The asset checks evaluated in the home's latest run."""
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.from_config(str(home / "dagster")) as instance:
        run_id = instance.get_runs(limit=1)[0].run_id
        return {r.dagster_event.asset_check_evaluation_data.check_name
                for r in instance.all_logs(
                    run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)}


def _model_changes(home: Path) -> dict[str, tuple]:
    """Each model's latest (computed_at, changed_at) in ops.dbt_model_changes
    (dbt_project/macros/kept_table.sql), and the latest build's start as "latest"."""
    con = duckdb.connect(str(warehouse_path(home)), read_only=True)
    try:
        rows = con.execute(
            "SELECT split_part(unique_id, '.', 3), arg_max(computed_at, computed_at), "
            "arg_max(changed_at, computed_at) FROM ops.dbt_model_changes GROUP BY 1").fetchall()
        latest = con.execute("SELECT max(computed_at) FROM ops.dbt_model_changes").fetchone()[0]
    finally:
        con.close()
    return {"latest": (latest, latest)} | {name: (computed, changed)
                                            for name, computed, changed in rows}


def _add_month(home: Path, later: Path, months: int, arrived: float) -> set[str]:
    """Generate ``months`` months into ``later`` and copy the files the landing does not have
    (arriving at ``arrived``); returns the sources that received files."""
    run_pvw(home, "generate", "--partnerships", PARTNERSHIP, "--start", "2023-01",
            "--months", str(months), "--landing", str(later))
    added = set()
    for path in later.rglob("*.csv"):
        target = home / "landing" / path.relative_to(later)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
            os.utime(target, (arrived, arrived))
            added.add(target.parent.name)
    return added


def _resend_police_extract(landing: Path) -> tuple[str, str]:
    """A corrected copy (``_v2``) of the latest police extract (written before month three
    arrives): its first crime dropped, its second crime's victim age changed. Returns both
    crime references."""
    latest = sorted((landing / "police_crimes").glob("*.csv"))[-1]
    with latest.open(newline="") as fh:
        header, first, second, *rest = list(csv.reader(fh))
    age = header.index("victim_age")
    second[age] = "31" if second[age] != "31" else "32"
    corrected = latest.with_name(latest.stem + "_v2.csv")
    with corrected.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, second, *rest])
    ref = header.index("crime_reference")
    return first[ref], second[ref]


def _victim_ages(home: Path, refs: list[str]) -> dict[str, int | None]:
    con = duckdb.connect(str(warehouse_path(home)), read_only=True)
    try:
        return dict(con.execute(
            "SELECT crime_reference, victim_age FROM marts.fct_police_crimes "
            "WHERE crime_reference IN (SELECT unnest(?))", [refs]).fetchall())
    finally:
        con.close()


def test_incremental_build_equals_full_build(tmp_path: Path) -> None:
    home = tmp_path / "home"
    landing = home / "landing"
    run_pvw(home, "generate", "--partnerships", PARTNERSHIP, "--start", "2023-01",
            "--months", "2")
    run_pvw(home, "run", check=False)  # small data may be refused publishing: the build stays
    assert any("--full-refresh" in m for m in _dbt_messages(home))
    before = _tables(warehouse_path(home))

    # month three, and a corrected extract; new files arrive after the ones already there
    dropped, changed = _resend_police_extract(landing)
    was = _victim_ages(home, [dropped, changed])
    assert set(was) == {dropped, changed}
    arrived = time.time() + 60
    added = _add_month(home, tmp_path / "later", 3, arrived)
    # a new month for each incremental fact's source, at least
    assert {"police_crimes", "policeuk_street", "probation_caseload",
            "school_exclusions"} <= added, added
    corrected = next((landing / "police_crimes").glob("*_v2.csv"))
    os.utime(corrected, (arrived + 60, arrived + 60))

    run_pvw(home, "run", check=False)
    messages = _dbt_messages(home)
    assert any("incremental" in m for m in messages), messages
    assert not any("--full-refresh" in m for m in messages), messages
    incremental = _tables(warehouse_path(home))
    # the incremental build wrote month three and the corrected crime, not the months before:
    # those are the rows the fact's data tests checked
    written, crimes = _last_build(warehouse_path(home))
    assert changed in written and 0 < len(written) < crimes

    now = _victim_ages(home, [dropped, changed])
    assert dropped not in now  # its only version was withdrawn
    assert now[changed] != was[changed]  # the corrected version won
    con = duckdb.connect(str(warehouse_path(home)), read_only=True)
    try:
        months = con.execute("SELECT count(DISTINCT recorded_month) FROM marts.fct_police_crimes"
                             ).fetchone()[0]
    finally:
        con.close()
    assert months == 3
    assert incremental != before

    # only what the new files reach was rebuilt: dimensions made from seeds were not
    changed = next(m for m in messages if "of what these sources reach" in m)
    assert set(changed.split(": ", 1)[1].split(", ")) == added | {"ops"}, changed
    rebuilt = _materialized(home)
    assert rebuilt["marts/dim_partnerships"] is False
    # dbt's cautious selection: a test across a rebuilt fact and the unchanged dimension
    # runs, the dimension's own tests do not
    checked = _checks_run(home)
    assert ("relationships_fct_police_crimes_partnership_code__partnership_code__ref_"
            "dim_partnerships_") in checked
    assert "unique_dim_partnerships_partnership_code" not in checked
    assert rebuilt["marts/fct_police_crimes"] is True
    assert rebuilt["analytics/indicator_values"] is True
    # March completes the quarter January to March: the counts by period changed, and so did
    # everything computed from them (kept_table replaced them)
    changes = _model_changes(home)
    for model in ("int_indicator_period_counts", "int_indicator_values_computed",
                  "indicator_values", "funnel_limits"):
        assert changes[model] == changes["latest"], (model, changes[model])

    # month four alone completes no period (quarter, financial year or rolling 12 months):
    # the counts by period are computed again and found the same, and what is computed from
    # them is left as it is without running its SQL (kept_table)
    assert _add_month(home, tmp_path / "later4", 4, arrived + 120) >= {"police_crimes"}
    run_pvw(home, "run", check=False)
    assert not any("--full-refresh" in m for m in _dbt_messages(home))
    kept = _model_changes(home)
    latest = kept["latest"][0]
    assert kept["int_indicator_monthly_counts"] == (latest, latest)  # a new month of counts
    for model in ("int_indicator_period_counts", "int_indicator_area_counts",
                  "int_indicator_values_computed", "indicator_values", "indicator_league_table"):
        assert kept[model] == (latest, changes[model][1]), (model, kept[model])
    incremental = _tables(warehouse_path(home))
    assert incremental[("intermediate", "int_indicator_monthly_counts")] != before[
        ("intermediate", "int_indicator_monthly_counts")]

    # nothing new: nothing rebuilt, and the warehouse is as it was
    run_pvw(home, "run", check=False)
    assert any("dbt build skipped" in m for m in _dbt_messages(home))
    assert set(_materialized(home).values()) == {False}
    assert _tables(warehouse_path(home)) == incremental

    # the same loaded data, built in full (a warehouse without the stamp of a complete build)
    con = duckdb.connect(str(warehouse_path(home)))
    con.execute("DELETE FROM ops.dbt_last_build")
    con.close()
    run_pvw(home, "run", check=False)
    assert any("--full-refresh" in m for m in _dbt_messages(home))
    full = _tables(warehouse_path(home))
    written, crimes = _last_build(warehouse_path(home))
    assert len(written) == crimes  # a full build writes (and tests) every row
    assert full.keys() == incremental.keys()
    different = [name for name in full if full[name] != incremental[name]]
    assert different == []
