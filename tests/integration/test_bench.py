"""`pvw bench`'s parts, each proven cheaply (a whole bench is never run here; docs/bench.md):

- the floor script computes exactly the warehouse's numerators from the same landing files
  (so the ratio to the floor compares the same work);
- the /proc sampler counts the memory of every process of a tree, grandchildren included;
- a stage's CPU time and peak memory come from the samples inside its window;
- the monthly refresh adds only new files (never rewriting one) and the landing is restored;
- the report has every required key, in latest.json and in its dated copy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from orchestration import bench
from orchestration.bench_measure import Measured, Sample, measure, tree_stats
from orchestration.bench_report import REQUIRED_KEYS, report, write_report
from orchestration.settings import serving_path

MiB = 2**20


def test_floor_computes_the_same_numerators_as_the_warehouse(
    published_home: Path, tmp_path: Path
) -> None:
    floor_db = tmp_path / "floor.duckdb"
    run = bench.run_floor(floor_db, published_home / "landing", tmp_path / "floor.log")
    assert run.returncode == 0 and run.wall_s > 0 and run.peak_rss_bytes > 0

    check = bench.compare_floor(floor_db, serving_path(published_home))
    assert check["differences"] == []
    assert check["matches"]
    # every indicator of the catalogue, by month and by financial or academic year
    assert check["indicators"] == 25
    assert check["rows_compared"] > 1000


def test_sampler_counts_the_memory_of_a_grandchild(tmp_path: Path) -> None:
    """A parent that only waits for its child, which holds 200 MiB: the tree's peak has it."""
    grandchild = "import time; b = b'x' * (200 << 20); time.sleep(1.5)"
    parent = (f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}],"
              " check=True)")
    run = measure([sys.executable, "-c", parent], interval=0.05, log=tmp_path / "out.log")
    assert run.returncode == 0, (tmp_path / "out.log").read_text()
    assert run.peak_rss_bytes >= 200 * MiB
    assert run.peak_rss_bytes < 1024 * MiB
    # two processes were seen at once, and wait4's figure agrees on the largest one
    assert max(s.processes for s in run.samples) >= 2
    assert run.max_single_rss_bytes >= 200 * MiB
    assert run.cpu_s > 0
    assert not tree_stats(2**22 + 12345)  # a process that does not exist has no tree


def test_stages_take_cpu_and_memory_from_their_own_window() -> None:
    samples = [Sample(at=100.0 + t, cpu_s=float(t), rss_bytes=rss, processes=1)
               for t, rss in enumerate([10, 20, 500, 30, 40, 60, 50])]
    run = Measured(args=["pvw"], returncode=0, started=100.0, ended=106.0, wall_s=6.0,
                   cpu_s=6.0, peak_rss_bytes=500, max_single_rss_bytes=500, samples=samples)
    steps = [{"step": "police_crimes", "start": 101.0, "end": 103.0, "status": "success"},
             {"step": "pvw_dbt_models", "start": 103.5, "end": 105.5, "status": "success"},
             {"step": "police_crimes_no_rejected_files", "start": 105.5, "end": 105.75,
              "status": "success"}]
    stages = {s["stage"]: s for s in bench.stages(run, steps, {"police_crimes": 1000})}
    ingest = stages["ingest police_crimes"]
    assert ingest["wall_s"] == 2.0 and ingest["cpu_s"] == 2.0
    assert ingest["peak_rss_bytes"] == 500 and ingest["rows_per_s"] == 500
    dbt = stages["dbt build"]
    assert dbt["cpu_s"] == 2.0 and dbt["peak_rss_bytes"] == 60  # samples at 104 and 105
    assert stages["checks: ingest"]["steps"] == 1
    assert stages["start-up"]["wall_s"] == 1.0
    assert stages["between steps"]["wall_s"] == 0.5
    assert stages["shutdown"]["wall_s"] == pytest.approx(0.25)


def test_refresh_adds_only_new_files_and_the_landing_is_restored(tmp_path: Path) -> None:
    """Two months for one partnership, then the third: existing files are never touched."""
    scale = bench.Scale("one", "E22000150", start="2023-01", months=2, seed=7)
    landing = bench.dataset_dir(tmp_path, scale) / "landing"
    landing.mkdir(parents=True)
    bench._generate(landing, scale.partnerships, scale.start, scale.months, scale.seed,
                    tmp_path / "generate.log")
    before = {p: (p.read_bytes(), p.stat().st_mtime) for p in landing.rglob("*") if p.is_file()}
    fingerprint = bench.fingerprint(landing)

    added = bench.add_month(tmp_path, scale, tmp_path / "scratch", say=lambda _m: None)
    assert added["month"] == "2023-03"
    assert added["files_added"] > 0 and added["rows"]["police_crimes"] > 0
    for path, (content, mtime) in before.items():
        assert (path.read_bytes(), path.stat().st_mtime) == (content, mtime), path
    new = [p for p in landing.rglob("*") if p.is_file() and p not in before]
    assert len(new) == added["files_added"]
    assert all("2023-03" in p.name for p in new if p.parent.name == "police_crimes")
    # arrival times: after the new month ends, never before the files already there
    assert min(p.stat().st_mtime for p in new if p.parent.name == "police_crimes") > max(
        m for p, (_c, m) in before.items() if p.parent.name == "police_crimes")

    bench.restore_landing(tmp_path, scale, say=lambda _m: None)
    assert bench.fingerprint(landing) == fingerprint


def test_report_has_every_required_key(tmp_path: Path) -> None:
    scale = bench.parse_scale("n20")
    assert (scale.partnerships, bench.parse_scale("national").partnerships) == ("20", "all")
    with pytest.raises(bench.BenchError):
        bench.parse_scale("huge")
    dataset = {"rows": {"police_crimes": 1000, "ae_istv": 50}, "generate_s": 3.5,
               "partnership_count": 20}
    floor = Measured(args=["python"], returncode=0, started=0, ended=2, wall_s=2.0, cpu_s=3.0,
                     peak_rss_bytes=100 * MiB, max_single_rss_bytes=100 * MiB)
    build = {"wall_s": 10.0, "cpu_s": 12.0, "peak_rss_bytes": 900 * MiB, "stages": []}
    charts = {"chart_p95_ms": 250.0, "charts": [], "chart_count": 0, "dashboard_count": 0,
              "repeats": 20}
    refresh = {"run": {"wall_s": 1.0, "cpu_s": 3.0, "stages": []}}
    figures = report(scale, dataset, floor, {"matches": True}, build, charts, refresh)

    latest, dated = write_report(tmp_path / "bench", figures)
    written = json.loads(latest.read_text())
    assert written == json.loads(dated.read_text())
    assert dated.parent == latest.parent and dated.name.startswith("bench-n20-")
    assert set(REQUIRED_KEYS) <= set(written)
    assert all(written[k] is not None for k in REQUIRED_KEYS)
    assert written["ratio_to_floor"] == 5.0 and written["refresh_ratio"] == 0.1
    assert written["cpu_ratio_to_floor"] == 4.0 and written["refresh_cpu_ratio"] == 0.25
    assert written["rows"] == {"police_crimes": 1000, "ae_istv": 50}
    assert written["targets"]["ratio_to_floor"]["met"] is False
    assert written["targets"]["chart_p95_ms"]["met"] is True


def test_a_failed_build_still_writes_what_it_measured(tmp_path: Path) -> None:
    """A build that fails keeps its time, memory and reason in the report; the headline
    build time stays empty, so no ratio is drawn from a build that published nothing."""
    log = tmp_path / "full-build.log"
    run = measure([sys.executable, "-c", "import sys; print('dbt test failed: 11 rows');"
                   " sys.exit(3)"], log=log)
    why = bench.failure(run)
    assert why is not None and "exit 3" in why and "dbt test failed: 11 rows" in why

    home = tmp_path / "home"  # no Dagster run there: no step stages
    (home / "dagster").mkdir(parents=True)
    build = bench.summarise(run, {"police_crimes": 10}, home)
    assert build["failed"] == why and build["wall_s"] > 0
    assert not any(s["stage"].startswith(("ingest", "dbt")) for s in build["stages"])

    floor = Measured(args=["python"], returncode=0, started=0, ended=2, wall_s=2.0, cpu_s=3.0,
                     peak_rss_bytes=MiB, max_single_rss_bytes=MiB)
    dataset = {"rows": {"police_crimes": 10}, "generate_s": 1.0, "partnership_count": 1}
    figures = report(bench.parse_scale("n1"), dataset, floor, None, build, None, None)
    latest, _dated = write_report(tmp_path / "bench", figures)
    written = json.loads(latest.read_text())
    assert written["failed"] == [f"full build: {why}"]
    assert written["full_build_s"] is None and written["ratio_to_floor"] is None
    assert written["full_build"]["wall_s"] == build["wall_s"]
    assert written["floor_s"] == 2.0
    # a successful run is not marked failed
    ok = measure([sys.executable, "-c", "pass"], log=tmp_path / "ok.log")
    assert bench.failure(ok) is None


def test_charts_measured_again_keep_the_build_figures() -> None:
    """`pvw bench --charts-only`: the chart figures and their target change; the build's
    figures, and when and from which commit they were measured, stay."""
    from orchestration.bench_report import with_charts

    dataset = {"rows": {"police_crimes": 10}, "generate_s": 1.0, "partnership_count": 1}
    floor = Measured(args=["python"], returncode=0, started=0, ended=2, wall_s=2.0, cpu_s=3.0,
                     peak_rss_bytes=MiB, max_single_rss_bytes=MiB)
    build = {"wall_s": 10.0, "cpu_s": 12.0, "peak_rss_bytes": MiB, "stages": []}
    slow = {"chart_p95_ms": 900.0, "charts": []}
    before = report(bench.parse_scale("n1"), dataset, floor, {"matches": True}, build, slow,
                    None)
    assert before["targets"]["chart_p95_ms"]["met"] is False
    after = with_charts(before, {"chart_p95_ms": 250.0, "charts": [{"chart": "x"}]})
    assert after["chart_p95_ms"] == 250.0 and after["targets"]["chart_p95_ms"]["met"] is True
    assert after["dashboards"]["charts"] == [{"chart": "x"}]
    assert after["full_build_s"] == 10.0 and after["ratio_to_floor"] == 5.0
    assert after["build_measured"] == {"measured_at": before["measured_at"],
                                       "git_commit": before["git_commit"]}
    # measured again: the build's time and commit are still the first bench's
    again = with_charts(after, {"chart_p95_ms": 260.0, "charts": []})
    assert again["build_measured"] == after["build_measured"]
