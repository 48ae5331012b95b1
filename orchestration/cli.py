"""``pvw``: the command line, thin over the library and the Dagster job.

Every failure ends with one line naming the cause and a non-zero exit (``--debug`` shows the
traceback).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from orchestration.settings import (
    DEMO_DEFECTS,
    DEMO_MONTHS,
    DEMO_START,
    REPO_ROOT,
    landing_dir,
    pvw_home,
    serving_path,
)

# bound to the real stdout now: a run redirects sys.stdout to its log file
console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
DEBUG = {"on": False}


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn any exception into ``pvw: error: <one line>`` and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            err_console.print("pvw: interrupted")
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the user gets one line, not a traceback
            if DEBUG["on"]:
                raise
            lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
            err_console.print(f"[red]pvw: error:[/red] {lines[0] if lines else type(exc).__name__}")
            sys.exit(1)

    return wrapper


@click.group()
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def main(debug: bool) -> None:
    """pvw: the partnership violence warehouse.

    PVW_HOME (default ./data) holds landing files, the build and serving databases and the
    Dagster and Superset state.
    """
    DEBUG["on"] = debug


@main.command()
@click.option("--partnerships", default="demo", show_default=True,
              help="'demo' (five Lancashire partnerships), 'all', a number N, "
              "or comma-separated E22 codes.")
@click.option("--start", default=DEMO_START, show_default=True, help="First month, YYYY-MM.")
@click.option("--months", default=DEMO_MONTHS, show_default=True, type=int)
@click.option("--seed", default=20261123, show_default=True, type=int)
@click.option("--defects", default=0.0, show_default=True, type=float,
              help="Share of rows given a real-world fault (bad dates, unknown codes, blanks, "
              "duplicates), plus a Windows-1252 and a truncated file per source.")
@click.option("--landing", type=click.Path(path_type=Path), default=None,
              help="Write here instead of $PVW_HOME/landing.")
@friendly
def generate(partnerships: str, start: str, months: int, seed: int, defects: float,
             landing: Path | None) -> None:
    """Write synthetic extracts for real partnerships (deterministic for a seed)."""
    from orchestration.synthetic.generate import generate as run_generate

    target = (landing or landing_dir()).resolve()
    began = time.monotonic()
    with console.status(f"Generating extracts into {target}…") as status:
        def show(s: object) -> None:
            console.print(f"  {s.source}: {s.files} files, {s.rows:,} rows")
            status.update(f"Generating extracts into {target}… ({s.source} done)")

        run_generate(target, partnerships, start, months, seed, progress=show, defects=defects)
    console.print(f"Generated in {time.monotonic() - began:.1f}s into {target}"
                  + (f", with defects in {defects:.0%} of rows" if defects else ""))


@main.command()
@click.option("--landing", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=None, help="Read extracts from this folder instead of $PVW_HOME/landing.")
@friendly
def run(landing: Path | None) -> None:
    """Run the pipeline through Dagster: load, dbt build, checks, publish."""
    _run(landing)


def _run(landing: Path | None) -> None:
    from orchestration.run import nothing_published, run_pipeline

    home = pvw_home()
    console.print(f"Running the pvw_build job (PVW_HOME={home})")
    outcome = run_pipeline(home, landing.resolve() if landing else None, say=console.print)
    console.print(f"Run {outcome.run_id} finished in {outcome.seconds:.0f}s.")
    for warning in outcome.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if outcome.success and outcome.published:
        console.print(f"[green]Published[/green] {serving_path(home)}")
        return
    raise RuntimeError(f"{nothing_published(outcome)} (Dagster run {outcome.run_id})")


@main.command()
@click.option("--check", is_flag=True, help="Exit 1 if docs/contracts.md is out of date.")
@friendly
def contracts(check: bool) -> None:
    """Write docs/contracts.md from the extract contracts."""
    from orchestration.contracts_doc import render

    _write_generated_doc("contracts", render(), check)


def _write_generated_doc(command: str, text: str, check: bool) -> None:
    """Write docs/<command>.md, or with ``check`` fail when the committed file differs."""
    target = REPO_ROOT / "docs" / f"{command}.md"
    if check:
        if not target.exists() or target.read_text() != text:
            raise RuntimeError(f"{target} is out of date: run `pvw {command}`")
        console.print(f"{target} is up to date")
        return
    target.parent.mkdir(exist_ok=True)
    target.write_text(text)
    console.print(f"Wrote {target}")


@main.command()
@click.option("--check", is_flag=True, help="Exit 1 if docs/indicators.md is out of date.")
@friendly
def indicators(check: bool) -> None:
    """Write docs/indicators.md from the indicator catalogue."""
    from orchestration.indicators_doc import render

    _write_generated_doc("indicators", render(), check)


@main.command()
@click.option("--rollback", is_flag=True,
              help="Serve the version published before the one served now.")
@click.option("--list", "list_versions", is_flag=True,
              help="List the kept versions and the latest publish attempts.")
@click.option("--force", is_flag=True,
              help="Publish the build even though its last run was refused.")
@friendly
def publish(rollback: bool, list_versions: bool, force: bool) -> None:
    """Publish the build database as serving.duckdb (a good run does this itself)."""
    from orchestration import publish as pub
    from orchestration.run import incomplete_marker, run_lock

    home = pvw_home()
    if list_versions:
        _list_publishing(home)
        return
    with run_lock(home):
        if rollback:
            before, after = pub.rollback(home)
            console.print(f"Rolled back: {serving_path(home)} is now {after.name} "
                          f"(was {before.name})")
            return
        if incomplete_marker(home).exists() and not force:
            raise RuntimeError(
                "the last run did not finish (killed?): its build may be half rebuilt and is "
                "not published; run `pvw run` again, or `pvw publish --force`")
        last = pub.last_run_outcome(home)
        if last and last[1] != "published" and not force:
            raise RuntimeError(
                f"the last run ({last[0]}) was {last[1]}: its build is not published; "
                "fix the cause and run again, or `pvw publish --force`")
        result = pub.publish(home)
    console.print(f"Published {result.path} ({result.bytes:,} bytes) as {result.version}")


def _list_publishing(home: Path) -> None:
    from orchestration import publish as pub

    current = pub.served_version(home)
    console.print(f"Versions kept in {pub.versions_dir(home)} (newest last):")
    for version in pub.kept_versions(home):
        mark = "  [green]← served[/green]" if version == current else ""
        console.print(f"  {version.name}  {version.stat().st_size:,} bytes{mark}")
    if not pub.history_path(home).exists():
        return
    with pub.history(home) as con:
        rows = con.execute(
            "SELECT logged_at, outcome, run_id, coalesce(detail, '') FROM ops.publish_log "
            "ORDER BY logged_at DESC, rowid DESC LIMIT 10").fetchall()
    console.print("Latest publish attempts:")
    for at, outcome, run_id, detail in rows:
        console.print(f"  {at:%Y-%m-%d %H:%M:%S}  {outcome:<11} {run_id[:8]}  {detail}")


def _dagster_ui(home: Path, port: int) -> subprocess.Popen:
    from orchestration.run import dbt_parse, prepare_instance

    prepare_instance(home)
    dbt_parse(home)
    log = _webserver_log(home).open("ab")
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster"), "dev", "-m", "orchestration.definitions",
         "-h", "127.0.0.1", "-p", str(port)],
        # the venv's bin on PATH: dagster-dbt's prepare_if_dev runs a bare `dbt parse`
        cwd=REPO_ROOT,
        env={**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                    os.environ.get("PATH", "")])},
        stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _webserver_log(home: Path) -> Path:
    return home / "dagster" / "webserver.log"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


WORKSPACE_QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
  name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def _wait_dagster(port: int, timeout: float, proc: subprocess.Popen,
                  log: Path | None = None, log_from: int = 0) -> None:
    """Wait until the Dagster UI has loaded the code location (not just started). ``log``:
    the webserver's log, read from byte ``log_from``: `dagster dev` keeps running when its
    webserver cannot bind the port, so that is found there rather than waited out."""
    import json
    import urllib.request

    url = f"http://127.0.0.1:{port}/graphql"
    body = json.dumps({"query": WORKSPACE_QUERY}).encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the Dagster UI exited with status {proc.returncode} while starting"
            )
        if log is not None and log.exists():
            with log.open("rb") as fh:
                fh.seek(log_from)
                if b"address already in use" in fh.read():
                    raise RuntimeError(
                        f"the Dagster UI could not listen on port {port}: another program "
                        "uses it (choose another with --dagster-port)")
        try:
            req = urllib.request.Request(
                url, data=body, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(req, timeout=5) as resp:
                entries = json.load(resp)["data"]["workspaceOrError"].get("locationEntries", [])
        except (OSError, ValueError, KeyError, TypeError):
            entries = []
        for entry in entries:
            error = entry.get("locationOrLoadError") or {}
            if error.get("__typename") == "PythonError":
                first = (error.get("message") or "").strip().splitlines()
                raise RuntimeError(
                    f"the Dagster UI could not load {entry['name']}: {first[0] if first else '?'}"
                )
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            return
        time.sleep(1)
    raise RuntimeError(f"the Dagster UI did not load the pvw code location within {timeout:.0f}s")


def _serve(superset_port: int, dagster_port: int, docs_port: int) -> None:
    from orchestration import docs_site, superset_server

    home = pvw_home()
    if not serving_path(home).exists():
        raise RuntimeError(f"nothing published yet at {serving_path(home)}: run `pvw run` first")
    with console.status("Preparing Superset (first run: about a minute)…"):
        superset_server.bootstrap(home)
    with console.status("Generating the dbt documentation site…"):
        docs_site.build(home)
    # Ctrl-C or a plain `kill` stops both servers cleanly, even when started by a launcher
    # that ignores SIGINT in its background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    procs: list[subprocess.Popen] = []
    try:
        with console.status("Starting Superset and the Dagster UI…"):
            superset = superset_server.start(home, superset_port)
            procs.append(superset)
            webserver_log = _webserver_log(home)
            log_from = webserver_log.stat().st_size if webserver_log.exists() else 0
            dagster = _dagster_ui(home, dagster_port)
            procs.append(dagster)
            procs.append(docs_site.start(home, docs_port))
            superset_url = superset_server.base_url(superset_port)
            superset_server.wait_ready(superset_url, timeout=180, proc=superset)
            _wait_dagster(dagster_port, 240, dagster, webserver_log, log_from)
        user, password = superset_server.admin_credentials(home)
        console.print()
        console.print(f"[bold]Superset[/bold]   {superset_server.dashboard_url(superset_url)}")
        console.print(f"           login: {user} / {password}")
        passwords = superset_server.ensure_user_passwords(home)
        for demo_user in superset_server.demo_users():
            who = ("national viewer (aggregated figures only)" if demo_user.code is None
                   else f"analyst of {demo_user.code} (its records only)")
            console.print(f"           {who}: {demo_user.username} / "
                          f"{passwords[demo_user.username]}")
        console.print(f"[bold]Dagster UI[/bold] http://127.0.0.1:{dagster_port}")
        console.print(f"[bold]dbt docs[/bold]   {docs_site.url(docs_port)}")
        console.print("Press Ctrl-C to stop them.")
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        raise RuntimeError("a server stopped unexpectedly; see the logs under $PVW_HOME")
    except KeyboardInterrupt:
        console.print("Stopping…")
    finally:
        for p in procs[1:]:
            _stop(p)
        if procs:
            superset_server.stop(procs[0])
    console.print("Stopped.")


def _server_ports(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.option("--superset-port", default=8088, show_default=True, type=int),
        click.option("--dagster-port", default=3000, show_default=True, type=int),
        click.option("--docs-port", default=8080, show_default=True, type=int,
                     help="The dbt documentation site (lineage from every dashboard)."),
    ]):
        command = option(command)
    return command


@main.command()
@_server_ports
@friendly
def serve(superset_port: int, dagster_port: int, docs_port: int) -> None:
    """Start Superset (dashboards imported), the Dagster UI and the dbt docs until Ctrl-C."""
    _serve(superset_port, dagster_port, docs_port)


@main.command()
@_server_ports
@friendly
def demo(superset_port: int, dagster_port: int, docs_port: int) -> None:
    """Generate demo extracts (once, with faults in 0.5% of rows), run the pipeline, publish,
    and serve."""
    from orchestration.synthetic.generate import generate as run_generate

    landing = landing_dir()
    if not any(landing.glob("*/*.csv")):
        with console.status(f"Generating demo extracts into {landing}…"):
            for s in run_generate(landing, defects=DEMO_DEFECTS):
                console.print(f"  {s.source}: {s.files} files, {s.rows:,} rows")
    else:
        console.print(f"Reusing the extracts in {landing}")
    _run(None)
    _serve(superset_port, dagster_port, docs_port)


@main.command()
@click.option("--landing", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=None, help="Rebuild from this folder instead of $PVW_HOME/landing.")
@click.option("--allow-missing", is_flag=True,
              help="Rebuild even though files the warehouse loaded are no longer in the "
              "landing folder (their rows will be gone).")
@friendly
def rebuild(landing: Path | None, allow_missing: bool) -> None:
    """Rebuild the warehouse from the landing files alone: load, dbt build, checks, publish.

    The build database is set aside first and put back if the rebuild publishes nothing.
    """
    from orchestration.rebuild import rebuild as do_rebuild

    home = pvw_home()
    console.print(f"Rebuilding the warehouse from the landing files (PVW_HOME={home})")
    done = do_rebuild(home, landing.resolve() if landing else None, say=console.print,
                      allow_missing=allow_missing)
    for warning in done.run.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"Rebuilt from {done.files} landing files in {done.seconds:.0f}s "
                  f"(Dagster run {done.run.run_id}).")
    console.print(f"[green]Published[/green] {serving_path(home)}")


@main.command()
@click.option("--scale", default="demo", show_default=True,
              help="'demo' (the demo partnerships), 'national' (every partnership) or 'nN' "
              "(N partnerships drawn with the seed); always the demo's months.")
@click.option("--partnerships", default=None,
              help="Instead of --scale: a number N or comma-separated E22 codes.")
@click.option("--seed", default=20261123, show_default=True, type=int)
@click.option("--repeats", default=20, show_default=True, type=click.IntRange(min=1),
              help="Requests per chart for the dashboard latency.")
@click.option("--dashboards/--no-dashboards", default=True, show_default=True,
              help="Measure the charts through Superset.")
@click.option("--refresh/--no-refresh", default=True, show_default=True,
              help="Measure a monthly refresh on top of the full build.")
@click.option("--charts-only", is_flag=True,
              help="Only time the dashboards again, on the home the last bench of this scale "
              "built; its other figures are kept.")
@friendly
def bench(scale: str, partnerships: str | None, seed: int, repeats: int, dashboards: bool,
          refresh: bool, charts_only: bool) -> None:
    """Benchmark: data set (generated once), plain-DuckDB floor, full build, dashboards,
    monthly refresh; figures to $PVW_HOME/bench/latest.json (docs/bench.md)."""
    from orchestration import bench as b
    from orchestration.bench_report import print_report, write_report

    home = pvw_home()
    measured = b.parse_scale(scale, partnerships, seed)
    if charts_only:
        figures = b.charts_only(home, measured, repeats, say=console.print)
    else:
        figures = b.run_bench(home, measured, dashboards=dashboards, refresh=refresh,
                              repeats=repeats, say=console.print)
    print_report(console, figures)
    latest, dated = write_report(b.bench_dir(home), figures)
    console.print(f"Figures written to {latest} and {dated}")
    if figures.get("failed"):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
