"""``pvw bench``: how fast the warehouse builds, refreshes and serves (issue 7; docs/bench.md).

One invocation:

1. the data set: synthetic extracts for the scale's partnerships, generated once and cached
   under ``$PVW_HOME/bench/datasets/<scale>-<seed>/`` with ``dataset.json`` beside it (the
   parameters, the rows and files per source, a fingerprint of the files, and the generator's
   own time measured when it was generated);
2. the floor: orchestration/bench_floor.sql, plain DuckDB computing the same numerators from
   the same files, in a child process;
3. a full build from empty: ``pvw run --landing <data set>`` on a fresh bench home
   (``$PVW_HOME/bench/homes/<scale>/``, emptied first but for its Superset state and
   secrets), as a child process whose whole tree is sampled from /proc; the Dagster event
   log of the run gives each step's start and end, hence each stage's wall time, CPU time and
   peak memory; the floor's numerators are then compared with the warehouse's;
4. dashboard latency (orchestration/bench_charts.py) on the bench home's serving database;
5. a monthly refresh: the month after the data set generated for every partnership, only
   files the landing does not have added to it, ``pvw run`` again on top of the full build,
   timed the same way; the added files are removed afterwards (also at the start of the next
   bench if one was interrupted) so the cached data set stays as generated.

The figures go to ``$PVW_HOME/bench/latest.json`` and a dated copy beside it, and are printed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.bench_measure import Measured, measure
from orchestration.bench_report import machine, report
from orchestration.settings import DEMO_MONTHS, DEMO_START, REPO_ROOT, serving_path

FLOOR_SQL = Path(__file__).with_name("bench_floor.sql")
SEEDS_DIR = REPO_ROOT / "seeds" / "reference"
DEFAULT_SEED = 20261123
KEEP_IN_HOME = ("superset", "secrets")  # not part of a build: kept between benches

Say = Callable[[str], None]


class BenchError(RuntimeError):
    """A step of the bench failed; the message is one line."""


# --------------------------------------------------------------------------- scale


@dataclass(frozen=True)
class Scale:
    name: str  # demo, national, n20, or the codes given
    partnerships: str  # as `pvw generate --partnerships` takes it
    start: str = DEMO_START
    months: int = DEMO_MONTHS
    seed: int = DEFAULT_SEED

    @property
    def key(self) -> str:
        return f"{self.name}-{self.start}-{self.months}m-s{self.seed}"


def parse_scale(scale: str, partnerships: str | None = None, seed: int = DEFAULT_SEED,
                months: int = DEMO_MONTHS) -> Scale:
    """``demo`` (the five demo partnerships), ``national`` (every partnership), ``nN`` (N
    partnerships drawn with the seed); ``partnerships`` (N or codes) overrides the scale."""
    if partnerships:
        name = f"n{partnerships}" if partnerships.isdigit() else (
            "codes-" + hashlib.sha256(partnerships.encode()).hexdigest()[:8])
        return Scale(name, partnerships, months=months, seed=seed)
    if scale == "demo":
        return Scale("demo", "demo", months=months, seed=seed)
    if scale == "national":
        return Scale("national", "all", months=months, seed=seed)
    if scale[:1] == "n" and scale[1:].isdigit() and int(scale[1:]) > 0:
        return Scale(scale, scale[1:], months=months, seed=seed)
    raise BenchError(f"--scale must be demo, national or nN (N partnerships), not {scale!r}")


# --------------------------------------------------------------------------- paths


def bench_dir(home: Path) -> Path:
    return home / "bench"


def dataset_dir(home: Path, scale: Scale) -> Path:
    return bench_dir(home) / "datasets" / scale.key


def run_home(home: Path, scale: Scale) -> Path:
    return bench_dir(home) / "homes" / scale.name


def _child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PVW_LANDING", "DAGSTER_HOME")}
    env["PVW_HOME"] = str(home)
    return env


# --------------------------------------------------------------------------- data set

GENERATE_CHILD = """
import json, sys
from pathlib import Path
from orchestration.synthetic.generate import generate
a = json.loads(sys.argv[1])
done = generate(Path(a["landing"]), a["partnerships"], a["start"], a["months"], a["seed"])
print("PVW-BENCH " + json.dumps({r.source: {"files": r.files, "rows": r.rows} for r in done}))
"""


def _generate(landing: Path, partnerships: str, start: str, months: int, seed: int,
              log: Path) -> tuple[Measured, dict]:
    """Run the generator in a child process (measured); returns its per-source summary."""
    args = json.dumps({"landing": str(landing), "partnerships": partnerships, "start": start,
                       "months": months, "seed": seed})
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    run = measure([sys.executable, "-c", GENERATE_CHILD, args], cwd=REPO_ROOT, log=log)
    lines = [ln for ln in log.read_text(errors="replace").splitlines()
             if ln.startswith("PVW-BENCH ")]
    if run.returncode != 0 or not lines:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise BenchError(f"generating the data set failed: {tail[0]} (log: {log})")
    return run, json.loads(lines[-1].removeprefix("PVW-BENCH "))


def fingerprint(landing: Path) -> dict:
    """Names and sizes of every landing file: what a reused data set must still have."""
    files = sorted(p for p in landing.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    total = 0
    for path in files:
        size = path.stat().st_size
        total += size
        digest.update(f"{path.relative_to(landing).as_posix()}\0{size}\n".encode())
    return {"files": len(files), "bytes": total, "sha256": digest.hexdigest()}


def _added_manifest(home: Path, scale: Scale) -> Path:
    return dataset_dir(home, scale) / "refresh-added.json"


def _remove_added(home: Path, scale: Scale, say: Say) -> None:
    """Remove refresh files a previous bench added and could not remove (interrupted)."""
    manifest = _added_manifest(home, scale)
    if manifest.exists():
        landing = dataset_dir(home, scale) / "landing"
        added = json.loads(manifest.read_text())
        for rel in added:
            (landing / rel).unlink(missing_ok=True)
        manifest.unlink()
        say(f"Removed {len(added)} refresh files left by an interrupted bench")


def ensure_dataset(home: Path, scale: Scale, say: Say) -> dict:
    """The cached data set of the scale (generated now if missing or changed)."""
    folder = dataset_dir(home, scale)
    landing, meta_path = folder / "landing", folder / "dataset.json"
    _remove_added(home, scale, say)
    if meta_path.exists() and landing.is_dir():
        meta = json.loads(meta_path.read_text())
        if meta.get("fingerprint") == fingerprint(landing):
            say(f"Reusing the {scale.name} data set in {landing} "
                f"(generated {meta['generated_at']} in {meta['generate_s']:.1f}s)")
            return {**meta, "cached": True}
        say(f"The data set in {landing} changed since it was generated: generating it again")
    shutil.rmtree(folder, ignore_errors=True)
    partial = folder / "landing.partial"
    partial.mkdir(parents=True)
    say(f"Generating the {scale.name} data set ({scale.partnerships} partnerships, "
        f"{scale.months} months from {scale.start}, seed {scale.seed}) into {landing}…")
    run, summary = _generate(partial, scale.partnerships, scale.start, scale.months,
                             scale.seed, folder / "generate.log")
    partial.rename(landing)
    from orchestration.synthetic.generate import choose_partnerships

    meta = {
        "scale": scale.name, "partnerships": scale.partnerships, "start": scale.start,
        "months": scale.months, "seed": scale.seed,
        "partnership_count": len(choose_partnerships(scale.partnerships, scale.seed)),
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "generate_s": round(run.wall_s, 2), "generate_cpu_s": round(run.cpu_s, 2),
        "generate_peak_rss_bytes": run.peak_rss_bytes,
        "rows": {source: s["rows"] for source, s in summary.items()},
        "files_per_source": {source: s["files"] for source, s in summary.items()},
        "fingerprint": fingerprint(landing),
        "machine": machine(),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    say(f"Generated {sum(meta['rows'].values()):,} rows in {run.wall_s:.1f}s")
    return {**meta, "cached": False}


def warm_page_cache(landing: Path) -> None:
    """Read every landing file once, so the floor and the build both start from the same
    (warm) page cache."""
    for path in landing.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                while fh.read(1 << 20):
                    pass


# --------------------------------------------------------------------------- floor

FLOOR_CHILD = """
import sys, duckdb
db, landing, seeds, script = sys.argv[1:5]
con = duckdb.connect(db)
con.execute("SET VARIABLE landing = ?", [landing])
con.execute("SET VARIABLE seeds = ?", [seeds])
con.execute(open(script).read())
print("PVW-BENCH", con.execute("SELECT count(*) FROM numerators").fetchall()[0][0])
con.close()
"""


def run_floor(database: Path, landing: Path, log: Path) -> Measured:
    """bench_floor.sql over ``landing`` into a new ``database``, in a measured child."""
    for path in (database, database.with_name(database.name + ".wal"), log):
        path.unlink(missing_ok=True)
    run = measure([sys.executable, "-c", FLOOR_CHILD, str(database), str(landing),
                   str(SEEDS_DIR), str(FLOOR_SQL)], cwd=REPO_ROOT, log=log)
    if run.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise BenchError(f"the floor script failed: {tail[0]} (log: {log})")
    return run


COMPARE_SQL = """
WITH warehouse AS (
    SELECT indicator_id, partnership_code, 'month' AS period_type, month_start AS period_start,
           numerator, denominator
    FROM w.intermediate.int_indicator_monthly_counts
    UNION ALL
    SELECT c.indicator_id, c.partnership_code, c.period_type, c.period_start,
           sum(c.numerator),
           sum(CASE WHEN k.denominator_type IN ('data', 'pupils') THEN c.denominator END)
    FROM w.intermediate.int_indicator_period_counts AS c
    JOIN w.reference.indicator_catalogue AS k USING (indicator_id)
    WHERE c.period_type IN ('financial_year', 'academic_year')
    GROUP BY ALL
)
SELECT coalesce(w.indicator_id, f.indicator_id) AS indicator_id,
       count(*) AS compared,
       count_if(w.indicator_id IS NULL) AS only_floor,
       count_if(f.indicator_id IS NULL) AS only_warehouse,
       count_if(w.numerator IS DISTINCT FROM f.numerator) AS numerators_differ,
       count_if(w.denominator IS DISTINCT FROM f.denominator) AS denominators_differ
FROM warehouse AS w
FULL JOIN f.numerators AS f USING (indicator_id, partnership_code, period_type, period_start)
GROUP BY ALL ORDER BY 1
"""


def compare_floor(floor_db: Path, warehouse_db: Path) -> dict:
    """The floor's numerators against the warehouse's (int_indicator_monthly_counts by month,
    int_indicator_period_counts by financial or academic year, partnership level): per
    indicator, rows compared and rows that differ."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS f (READ_ONLY)", [str(floor_db)])
        con.execute("ATTACH ? AS w (READ_ONLY)", [str(warehouse_db)])
        cols = ["indicator_id", "compared", "only_floor", "only_warehouse",
                "numerators_differ", "denominators_differ"]
        rows = [dict(zip(cols, r, strict=True)) for r in con.execute(COMPARE_SQL).fetchall()]
    finally:
        con.close()
    bad = [r for r in rows if any(r[c] for c in cols[2:])]
    return {"indicators": len(rows), "rows_compared": sum(r["compared"] for r in rows),
            "matches": not bad and bool(rows), "differences": bad}


# --------------------------------------------------------------------------- pipeline runs


def fresh_home(home: Path) -> None:
    """Empty a bench home for a build from nothing (Superset's state and secrets stay)."""
    home.mkdir(parents=True, exist_ok=True)
    for entry in home.iterdir():
        if entry.name in KEEP_IN_HOME:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def run_build(home: Path, landing: Path, log: Path) -> Measured:
    """``pvw run --landing`` on ``home`` as a measured child process (see ``failure``)."""
    pvw = Path(sys.executable).parent / "pvw"
    args = [str(pvw)] if pvw.exists() else [sys.executable, "-m", "orchestration.cli"]
    return measure([*args, "run", "--landing", str(landing)], env=_child_env(home),
                   cwd=REPO_ROOT, log=log)


def failure(run: Measured) -> str | None:
    """Why a measured ``pvw run`` failed (its last line of output), or None if it did not."""
    if run.returncode == 0:
        return None
    text = run.log.read_text(errors="replace") if run.log and run.log.exists() else ""
    tail = text.strip().splitlines()[-1:] or ["no output"]
    return f"pvw run failed (exit {run.returncode}): {tail[0]} (log: {run.log})"


def step_events(home: Path) -> tuple[str, list[dict]]:
    """The latest run of ``home``'s Dagster instance: its id and each step's start and end
    (``time.time()`` values, from the event log)."""
    from dagster import DagsterEventType, DagsterInstance

    ends = {DagsterEventType.STEP_SUCCESS: "success", DagsterEventType.STEP_FAILURE: "failure",
            DagsterEventType.STEP_SKIPPED: "skipped"}
    with DagsterInstance.from_config(str(home / "dagster")) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            raise BenchError(f"no Dagster run recorded under {home / 'dagster'}")
        run_id = runs[0].run_id
        records = instance.all_logs(run_id, of_type={DagsterEventType.STEP_START, *ends})
    steps: dict[str, dict] = {}
    for rec in records:
        kind = rec.dagster_event.event_type
        step = steps.setdefault(rec.step_key, {"step": rec.step_key, "start": rec.timestamp,
                                               "end": rec.timestamp, "status": "started"})
        if kind == DagsterEventType.STEP_START:
            step["start"] = rec.timestamp
        else:
            step["end"], step["status"] = rec.timestamp, ends[kind]
    return run_id, sorted(steps.values(), key=lambda s: s["start"])


def stage_of(step: str, sources: list[str]) -> str:
    """The stage a step of the pvw_build job belongs to."""
    if step in sources:
        return f"ingest {step}"
    if step == "ingest_log":
        return "load log"
    if step == "pvw_dbt_models":
        return "dbt build"
    if step == "serving_database":
        return "publish"
    if any(step.startswith(source + "_") for source in sources):
        return "checks: ingest"
    if "great_expectations" in step:
        return "checks: Great Expectations"
    return "checks: other"


def stages(run: Measured, steps: list[dict], rows: dict[str, int]) -> list[dict]:
    """Wall time, CPU time, peak memory and rows per second of each stage of a run: start-up
    (process start to the first step: imports, dbt parse, definitions), the steps grouped by
    stage, the gaps between steps, and shutdown (last step to exit)."""
    from orchestration.contracts import CONTRACTS

    sources = sorted(CONTRACTS)
    total_rows = sum(rows.values())
    groups: dict[str, list[dict]] = {}
    for step in steps:
        groups.setdefault(stage_of(step["step"], sources), []).append(step)
    first = min((s["start"] for s in steps), default=run.ended)
    last = max((s["end"] for s in steps), default=run.ended)
    out = [_stage("start-up", run, [(run.started, first)])]
    order = sorted(groups, key=lambda g: min(s["start"] for s in groups[g]))
    for name in order:
        if name == "load log":
            stage_rows = None
        elif name.startswith("ingest "):
            stage_rows = rows.get(name.removeprefix("ingest "), 0)
        else:
            stage_rows = total_rows
        entry = _stage(name, run, [(s["start"], s["end"]) for s in groups[name]], stage_rows)
        entry["steps"] = len(groups[name])
        out.append(entry)
    stepped = sum(s["end"] - s["start"] for s in steps)
    gaps = max(0.0, (last - first) - stepped)
    out.append({"stage": "between steps", "wall_s": round(gaps, 3), "cpu_s": None,
                "peak_rss_bytes": None, "rows": None, "rows_per_s": None, "steps": 0})
    out.append(_stage("shutdown", run, [(last, run.ended)]))
    return out


def _stage(name: str, run: Measured, windows: list[tuple[float, float]],
           rows: int | None = None) -> dict:
    parts = [run.window(start, end) for start, end in windows]
    wall = sum(p.wall_s for p in parts)
    return {
        "stage": name, "steps": len(windows), "wall_s": round(wall, 3),
        "cpu_s": round(sum(p.cpu_s for p in parts), 3),
        "peak_rss_bytes": max((p.peak_rss_bytes for p in parts), default=0),
        "rows": rows, "rows_per_s": round(rows / wall) if rows and wall > 0 else None,
    }


def summarise(run: Measured, rows: dict[str, int], home: Path) -> dict:
    """One run's figures and stages; a failed run keeps what it measured and says why."""
    why = failure(run)
    try:
        run_id, steps = step_events(home)
    except BenchError:
        if why is None:
            raise
        run_id, steps = None, []
    return {
        "failed": why,
        "wall_s": round(run.wall_s, 3), "cpu_s": round(run.cpu_s, 3),
        "peak_rss_bytes": run.peak_rss_bytes,
        "largest_process_rss_bytes": run.max_single_rss_bytes,
        "rows": sum(rows.values()),
        "rows_per_s": round(sum(rows.values()) / run.wall_s) if run.wall_s else None,
        "dagster_run_id": run_id, "log": str(run.log), "load_average_at_start": run.load_before,
        "stages": stages(run, steps, rows),
    }


# --------------------------------------------------------------------------- refresh


def next_month(scale: Scale) -> str:
    return (pd.Timestamp(scale.start + "-01") + pd.DateOffset(months=scale.months)).strftime(
        "%Y-%m")


def add_month(home: Path, scale: Scale, scratch: Path, say: Say) -> dict:
    """Generate the month after the data set for every partnership into ``scratch`` and add
    to the data set's landing only the files it does not have (copied with their arrival
    times); files it has are left as they are (the published national tables, which do not
    change, and any file the one-month generation would write differently)."""
    landing = dataset_dir(home, scale) / "landing"
    shutil.rmtree(scratch, ignore_errors=True)
    month = next_month(scale)
    run, summary = _generate(scratch, scale.partnerships, month, 1, scale.seed,
                             scratch.parent / "bench-logs" / "refresh-generate.log")
    added, same, differ = [], [], []
    rows: dict[str, int] = {}
    for path in sorted(p for p in scratch.rglob("*") if p.is_file()):
        rel = path.relative_to(scratch).as_posix()
        target = landing / rel
        if target.exists():
            (same if target.read_bytes() == path.read_bytes() else differ).append(rel)
            continue
        added.append(rel)
    # record before copying: an interrupted bench removes them next time
    _added_manifest(home, scale).write_text(json.dumps(added) + "\n")
    for rel in added:
        shutil.copy2(scratch / rel, landing / rel)
        source = rel.split("/")[0]
        with (landing / rel).open("rb") as fh:
            rows[source] = rows.get(source, 0) + max(0, sum(1 for _ in fh) - 1)
    say(f"  added {len(added)} files of {month} ({sum(rows.values()):,} rows); kept "
        f"{len(same) + len(differ)} existing files as they were"
        + (f" ({len(differ)} would differ: {', '.join(differ)})" if differ else ""))
    return {"month": month, "files_added": len(added), "rows": rows,
            "kept_identical": same, "kept_would_differ": differ,
            "generate_s": round(run.wall_s, 2), "generated": summary}


def restore_landing(home: Path, scale: Scale, say: Say) -> None:
    _remove_added(home, scale, lambda _m: None)
    say("  landing restored (added files removed)")


# --------------------------------------------------------------------------- the bench


def charts_only(home: Path, scale: Scale, repeats: int = 20, say: Say = print) -> dict:
    """Time the dashboards again on the home the last bench of ``scale`` built, and return
    that bench's figures with the new chart figures (the build is not repeated)."""
    from orchestration.bench_charts import measure_charts
    from orchestration.bench_report import with_charts

    latest = bench_dir(home) / "latest.json"
    figures = json.loads(latest.read_text()) if latest.exists() else None
    bhome = run_home(home, scale)
    if not figures or figures.get("scale") != scale.name or figures.get("seed") != scale.seed:
        raise BenchError(f"--charts-only needs a bench of scale {scale.name} (seed "
                         f"{scale.seed}) in {latest}: run one first")
    if not serving_path(bhome).exists():
        raise BenchError(f"--charts-only: {bhome} has no serving database: run a bench first")
    say(f"Dashboard latency through Superset's chart-data API, on {bhome}…")
    return with_charts(figures, measure_charts(bhome, repeats, say))


def run_bench(home: Path, scale: Scale, *, dashboards: bool = True, refresh: bool = True,
              repeats: int = 20, say: Say = print) -> dict:
    """Every measurement of one bench (see the module docstring); returns the report."""
    dataset = ensure_dataset(home, scale, say)
    landing = dataset_dir(home, scale) / "landing"
    rows = dataset["rows"]
    bhome = run_home(home, scale)
    fresh_home(bhome)
    logs = bhome / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)
    warm_page_cache(landing)

    say("Floor: bench_floor.sql in plain DuckDB…")
    floor = run_floor(bhome / "floor.duckdb", landing, logs / "floor.log")
    say(f"  {floor.wall_s:.1f}s")

    say(f"Full build from empty: pvw run on {bhome}…")
    build_run = run_build(bhome, landing, logs / "full-build.log")
    build = summarise(build_run, rows, bhome)
    say(f"  {build_run.wall_s:.1f}s")
    if build["failed"]:
        # what was measured is still written: the stages show how far the build got
        say(f"  [red]{build['failed']}[/red]")
        return report(scale, dataset, floor, None, build, None, None)
    floor_check = compare_floor(bhome / "floor.duckdb", serving_path(bhome))
    if not floor_check["matches"]:
        say(f"  [warning] the floor's numerators differ from the warehouse's: "
            f"{floor_check['differences'][:3]}")

    charts = None
    if dashboards:
        say("Dashboard latency through Superset's chart-data API…")
        from orchestration.bench_charts import measure_charts

        charts = measure_charts(bhome, repeats, say)

    refreshed = None
    if refresh:
        say("Monthly refresh: one new month for every partnership…")
        try:
            added = add_month(home, scale, bhome / "refresh-landing", say)
            run = run_build(bhome, landing, logs / "refresh.log")
            refreshed = {**added, "run": summarise(run, added["rows"], bhome)}
            say(f"  {run.wall_s:.1f}s")
            if refreshed["run"]["failed"]:
                say(f"  [red]{refreshed['run']['failed']}[/red]")
        finally:
            restore_landing(home, scale, say)
            shutil.rmtree(bhome / "refresh-landing", ignore_errors=True)
    return report(scale, dataset, floor, floor_check, build, charts, refreshed)
