"""`pvw serve` waiting for the Dagster UI: a port it cannot bind is said at once, not waited
out (`dagster dev` keeps running when its webserver fails to bind)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.cli import _wait_dagster


@pytest.fixture
def idle_process():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


def test_port_in_use_is_reported_from_the_webserver_log(tmp_path: Path, idle_process) -> None:
    log = tmp_path / "webserver.log"
    log.write_text("earlier run: ERROR: [Errno 98] address already in use\n")
    start = log.stat().st_size
    with log.open("a") as fh:
        fh.write("ERROR:    [Errno 98] error while attempting to bind on address "
                 "('127.0.0.1', 1): address already in use\n")
    began = time.monotonic()
    with pytest.raises(RuntimeError, match="could not listen on port 1: another program"):
        _wait_dagster(1, 60, idle_process, log, start)
    assert time.monotonic() - began < 10


def test_an_earlier_runs_bind_error_is_not_this_runs(tmp_path: Path, idle_process) -> None:
    log = tmp_path / "webserver.log"
    log.write_text("earlier run: ERROR: [Errno 98] address already in use\n")
    with pytest.raises(RuntimeError, match="did not load the pvw code location within 2s"):
        _wait_dagster(1, 2, idle_process, log, log.stat().st_size)


def test_free_ports_are_below_the_ephemeral_range_and_bindable() -> None:
    import socket

    from orchestration.superset_server import free_port

    for _ in range(20):
        port = free_port()
        assert 20000 <= port < 32768  # never one the OS hands out for a bind to port 0
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
