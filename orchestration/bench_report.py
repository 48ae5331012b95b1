"""The figures of ``pvw bench``: assembled into one dict, written as JSON, printed as tables.

``$PVW_HOME/bench/latest.json`` (and ``bench-<scale>-<date>.json`` beside it) starts with the
headline figures (REQUIRED_KEYS), then the targets of issue 7 with whether each is met, the
scale, the machine, and the details: the data set, the floor (with its comparison against
the warehouse), the full build and the refresh stage by stage, and every chart's latency.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from orchestration.bench_measure import Measured
from orchestration.settings import REPO_ROOT

REQUIRED_KEYS = ("full_build_s", "floor_s", "ratio_to_floor", "peak_rss_bytes", "refresh_s",
                 "refresh_ratio", "chart_p95_ms", "generate_s", "rows")

# The targets of issue 7 (they apply at national scale).
TARGETS = {
    "ratio_to_floor": ("≤ 3× the floor", lambda v: v <= 3.0),
    "peak_rss_bytes": ("≤ 4 GiB", lambda v: v <= 4 * 2**30),
    "refresh_ratio": ("≤ 15% of a full build", lambda v: v <= 0.15),
    "chart_p95_ms": ("≤ 300 ms", lambda v: v <= 300),
    "generate_s": ("≤ 120 s (national)", lambda v: v <= 120),
}


def machine() -> dict:
    """What the figures were measured on (the load average says how busy it was)."""
    info: dict = {"cpus": os.cpu_count(), "kernel": platform.release(),
                  "python": platform.python_version()}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_bytes"] = int(line.split()[1]) * 1024
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import duckdb

    info["duckdb"] = duckdb.__version__
    info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return info


def git_commit() -> str | None:
    try:
        proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    return proc.stdout.strip() or None


def report(scale: object, dataset: dict, floor: Measured | None, floor_check: dict | None,
           build: dict | None, charts: dict | None, refresh: dict | None) -> dict:
    """The figures of one bench, REQUIRED_KEYS first; a part not measured gives None."""
    # a failed run's time is kept in its own section, not reported as the build's figure
    full = build["wall_s"] if build and not build.get("failed") else None
    floor_s = round(floor.wall_s, 3) if floor else None
    refresh_s = (refresh["run"]["wall_s"] if refresh and not refresh["run"].get("failed")
                 else None)
    rows_total = sum(dataset["rows"].values())
    figures = {
        "full_build_s": full,
        "floor_s": floor_s,
        "ratio_to_floor": round(full / floor_s, 2) if full and floor_s else None,
        "peak_rss_bytes": build["peak_rss_bytes"] if build else None,
        "refresh_s": refresh_s,
        "refresh_ratio": round(refresh_s / full, 3) if refresh_s and full else None,
        "chart_p95_ms": charts["chart_p95_ms"] if charts else None,
        "generate_s": dataset["generate_s"],
        "rows": dataset["rows"],
    }
    # CPU seconds are steadier than wall time on a machine shared with other work
    build_cpu = build.get("cpu_s") if full else None
    refresh_cpu = refresh["run"].get("cpu_s") if refresh_s else None
    failed = [f"{name}: {part['failed']}" for name, part in (
        ("full build", build), ("refresh", refresh and refresh["run"]))
        if part and part.get("failed")]
    return {
        **figures,
        "failed": failed or None,
        "cpu_ratio_to_floor": round(build_cpu / floor.cpu_s, 2)
        if build_cpu and floor and floor.cpu_s else None,
        "refresh_cpu_ratio": round(refresh_cpu / build_cpu, 3)
        if refresh_cpu and build_cpu else None,
        "targets": {key: {"target": text,
                          "met": check(figures[key]) if figures[key] is not None else None}
                    for key, (text, check) in TARGETS.items()},
        "scale": scale.name, "partnerships": scale.partnerships,  # type: ignore[attr-defined]
        "partnership_count": dataset.get("partnership_count"),
        "start": scale.start, "months": scale.months,  # type: ignore[attr-defined]
        "seed": scale.seed,  # type: ignore[attr-defined]
        "rows_total": rows_total,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git_commit": git_commit(),
        "machine": machine(),
        "dataset": {k: dataset.get(k) for k in (
            "generated_at", "generate_s", "generate_cpu_s", "generate_peak_rss_bytes",
            "files_per_source", "fingerprint", "cached")},
        "floor": None if floor is None else {
            "wall_s": floor_s, "cpu_s": round(floor.cpu_s, 3),
            "peak_rss_bytes": floor.peak_rss_bytes,
            "rows": rows_total,
            "rows_per_s": round(rows_total / floor.wall_s) if floor.wall_s else None,
            "load_average_at_start": floor.load_before,
            "matches_warehouse": floor_check,
        },
        "full_build": build,
        "dashboards": charts,
        "refresh": refresh,
    }


def with_charts(figures: dict, charts: dict) -> dict:
    """An earlier bench's figures with the dashboards measured again (``pvw bench
    --charts-only``): the build and refresh figures stay those of that bench, whose commit
    and time are kept under ``build_measured``."""
    text, check = TARGETS["chart_p95_ms"]
    return {
        **figures,
        "chart_p95_ms": charts["chart_p95_ms"],
        "dashboards": charts,
        "targets": {**figures["targets"], "chart_p95_ms": {
            "target": text,
            "met": check(charts["chart_p95_ms"]) if charts["chart_p95_ms"] is not None
            else None}},
        "build_measured": figures.get("build_measured") or {
            "measured_at": figures.get("measured_at"), "git_commit": figures.get("git_commit")},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git_commit": git_commit(),
        "machine": machine(),
    }


def write_report(folder: Path, figures: dict) -> tuple[Path, Path]:
    """``<folder>/latest.json`` and a dated copy beside it; returns both paths."""
    missing = [k for k in REQUIRED_KEYS if k not in figures]
    if missing:
        raise ValueError(f"bench report lacks {', '.join(missing)}")
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(figures, indent=2, default=str) + "\n"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dated = folder / f"bench-{figures.get('scale', 'custom')}-{stamp}.json"
    dated.write_text(text)
    latest = folder / "latest.json"
    tmp = latest.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, latest)
    return latest, dated


# --------------------------------------------------------------------------- printing


def _s(v: float | None) -> str:
    return "-" if v is None else f"{v:,.1f}"


def _mb(v: int | None) -> str:
    return "-" if not v else f"{v / 2**20:,.0f} MiB"


def _n(v: float | None) -> str:
    return "-" if v is None else f"{v:,.0f}"


def print_report(console: Console, r: dict) -> None:
    m = r["machine"]
    console.print(
        f"\n[bold]pvw bench[/bold] scale {r['scale']} ({r['partnership_count']} partnerships, "
        f"{r['months']} months from {r['start']}, seed {r['seed']}, {r['rows_total']:,} rows) "
        f"on {m.get('cpus')} CPUs, {_mb(m.get('memory_bytes'))}, load {m.get('load_average')}")
    summary = Table(title="Headline figures", title_justify="left")
    for col in ("figure", "value", "target (national)", "met"):
        summary.add_column(col, justify="right" if col == "value" else "left", no_wrap=True)
    floor = r.get("floor") or {}
    check = floor.get("matches_warehouse") or {}
    rows = [
        ("full build", f"{_s(r['full_build_s'])} s", None),
        ("floor (plain DuckDB)", f"{_s(r['floor_s'])} s", None),
        ("load average at floor / build", " / ".join(
            "-" if v is None else f"{v:.1f}" for v in (
                floor.get("load_average_at_start"),
                (r.get("full_build") or {}).get("load_average_at_start"))), None),
        ("floor numerators = warehouse's", "-" if not check
         else "yes" if check.get("matches") else "[red]NO[/red]", None),
        ("ratio to floor", f"{_s(r['ratio_to_floor'])}×", "ratio_to_floor"),
        ("  in CPU seconds", f"{_s(r.get('cpu_ratio_to_floor'))}×", None),
        ("peak memory (full build)", _mb(r["peak_rss_bytes"]), "peak_rss_bytes"),
        ("monthly refresh", f"{_s(r['refresh_s'])} s", None),
        ("refresh / full build", "-" if r["refresh_ratio"] is None
         else f"{r['refresh_ratio']:.0%}", "refresh_ratio"),
        ("  in CPU seconds", "-" if r.get("refresh_cpu_ratio") is None
         else f"{r['refresh_cpu_ratio']:.0%}", None),
        ("slowest chart p95", f"{_n(r['chart_p95_ms'])} ms", "chart_p95_ms"),
        ("generation", f"{_s(r['generate_s'])} s", "generate_s"),
    ]
    for name, value, key in rows:
        target = r["targets"].get(key) if key else None
        met = "" if not target or target["met"] is None else (
            "[green]yes[/green]" if target["met"] else "[red]no[/red]")
        summary.add_row(name, value, target["target"] if target else "", met)
    console.print(summary)
    for key, title in (("full_build", "Full build from empty"), ("refresh", "Monthly refresh")):
        part = r.get(key)
        if part:
            run = part["run"] if key == "refresh" else part
            load = run.get("load_average_at_start")
            _print_stages(console, f"{title}: {_s(run['wall_s'])} s wall, "
                          f"{_s(run['cpu_s'])} s CPU, peak {_mb(run['peak_rss_bytes'])}"
                          + (f" (load average {load} at start)" if load is not None else ""),
                          run)
    if r.get("dashboards"):
        _print_charts(console, r["dashboards"])
    console.print("Rows per source: " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items()))
    for why in r.get("failed") or []:
        console.print(f"[red]Failed[/red] {why}")


def _table(console: Console, title: str, headers: list[str], rows: list[list[str]],
           text_widths: dict[str, int]) -> Table:
    """Numbers never squeezed (each numeric column as wide as its widest value); the text
    columns (``text_widths``: their widest) share what is left of the console's width, cut
    with an ellipsis."""
    numeric = {i: max([len(h), *(len(r[i]) for r in rows)])
               for i, h in enumerate(headers) if h not in text_widths}
    spare = console.width - sum(numeric.values()) - 3 * len(headers) - 1
    wanted = {h: min(w, max([len(h), *(len(r[headers.index(h)]) for r in rows)]))
              for h, w in text_widths.items()}
    share = min(1.0, max(spare, 0) / max(sum(wanted.values()), 1))
    table = Table(title=title, title_justify="left")
    for i, header in enumerate(headers):
        if header in text_widths:
            table.add_column(header, no_wrap=True, overflow="ellipsis",
                             width=max(8, int(wanted[header] * share)))
        else:
            table.add_column(header, justify="right", no_wrap=True, width=numeric[i])
    for row in rows:
        table.add_row(*row)
    return table


def _print_stages(console: Console, title: str, run: dict) -> None:
    rows = [[st["stage"], str(st.get("steps") or ""), _s(st["wall_s"]), _s(st["cpu_s"]),
             _n(st["peak_rss_bytes"] / 2**20 if st["peak_rss_bytes"] else None),
             _n(st["rows"]), _n(st["rows_per_s"])] for st in run["stages"]]
    console.print(_table(console, title, ["stage", "steps", "wall s", "CPU s", "peak MiB", "rows",
                                 "rows/s"], rows, {"stage": 30}))


def _print_charts(console: Console, dash: dict) -> None:
    title = (f"Dashboard latency: {dash['chart_count']} charts of {dash['dashboard_count']} "
             f"dashboards, {dash['repeats']} requests each (force, after one warm-up), as "
             "their dashboards open them; p95 as saved, with no dashboard filter, beside it")
    saved = {c["chart_id"]: c for c in dash.get("charts_unfiltered", [])}
    rows = [[c["chart"], ", ".join(c["dashboards"]), _n(c["p50_ms"]), _n(c["p95_ms"]),
             _n(c["max_ms"]), _n(c["first_ms"]), str(len(c["errors"])),
             _n(saved[c["chart_id"]]["p95_ms"]) if c["chart_id"] in saved else ""]
            for c in sorted(dash["charts"], key=lambda c: -c["p95_ms"])]
    console.print(_table(console, title, ["chart", "dashboard", "p50 ms", "p95 ms", "max ms",
                                 "first ms", "errors", "unfiltered p95"], rows,
                         {"chart": 48, "dashboard": 24}))
