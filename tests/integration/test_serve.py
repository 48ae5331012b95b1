"""``pvw serve``: Superset and the Dagster UI come up together and Ctrl-C stops both."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from orchestration.superset_server import free_port
from tests.conftest import PVW, REPO

pytestmark = pytest.mark.integration


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_serve_starts_both_servers_and_ctrl_c_stops_them(published_home: Path) -> None:
    superset_port, dagster_port, docs_port = free_port(), free_port(), free_port()
    proc = subprocess.Popen(
        [str(PVW), "serve", "--superset-port", str(superset_port),
         "--dagster-port", str(dagster_port), "--docs-port", str(docs_port)],
        env={**os.environ, "PVW_HOME": str(published_home)}, cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 420
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        output = "".join(lines)
        assert "Press Ctrl-C" in output, output
        assert f"http://127.0.0.1:{superset_port}/superset/dashboard/" in output
        assert "login: admin / " in output
        assert f"http://127.0.0.1:{dagster_port}" in output

        # the Dagster UI serves the same asset graph: loads, dbt models, checks, publish
        query = json.dumps({"query": "{ assetNodes { assetKey { path } hasAssetChecks } }"})
        request = urllib.request.Request(
            f"http://127.0.0.1:{dagster_port}/graphql", data=query.encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as resp:
            nodes = json.load(resp)["data"]["assetNodes"]
        keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
        assert {"police_crimes", "analytics/indicator_values", "serving_database"} <= keys
        assert any(n["hasAssetChecks"] for n in nodes)
        with urllib.request.urlopen(f"http://127.0.0.1:{superset_port}/health", timeout=30) as r:
            assert r.status == 200
        # the dbt docs site: every dashboard is an exposure, with lineage to the sources
        docs = f"http://127.0.0.1:{docs_port}/static_index.html"
        assert docs in output
        with urllib.request.urlopen(docs, timeout=30) as r:
            page = r.read().decode()
        assert "exposure.pvw.violence_against_the_person" in page
        assert "model.pvw.indicator_values" in page and "source.pvw." in page

        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, rest
        assert "Stopped." in rest
        assert not _listening(superset_port)
        assert not _listening(dagster_port)
        assert not _listening(docs_port)
    finally:
        if proc.poll() is None:  # a failed assertion: stop the servers, then pvw
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
