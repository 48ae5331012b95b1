"""Shared fixtures. ``published_home`` is a PVW_HOME built by the real CLI: demo extracts
generated, the Dagster job run in-process, serving.duckdb published."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PVW = Path(sys.executable).parent / "pvw"
ARTIFACTS = REPO / "artifacts"
FIXTURES = REPO / "tests" / "fixtures"
POLICEUK_MONTH = FIXTURES / "policeuk_street" / "2021-04-lancashire-street.csv"


def run_pvw(home: Path, *args: str, check: bool = True, timeout: float = 600,
            **env: str) -> subprocess.CompletedProcess:
    """Run the ``pvw`` console script with PVW_HOME=home, as a user would."""
    proc = subprocess.run(
        [str(PVW), *args],
        env={**os.environ, "PVW_HOME": str(home), **env},
        capture_output=True, text=True, timeout=timeout, cwd=REPO,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"pvw {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def published_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo extracts for every source, plus one real month of data.police.uk files.

    ``PVW_TEST_HOME=<dir>`` reuses a home built that way (by an earlier session of the same
    tests, or `pvw generate` + the policeuk month + `pvw run`) while developing; CI builds it."""
    reuse = os.environ.get("PVW_TEST_HOME")
    if reuse:
        return Path(reuse).resolve()
    home = tmp_path_factory.mktemp("pvw_home")
    run_pvw(home, "generate")
    shutil.copy(POLICEUK_MONTH, home / "landing" / "policeuk_street" / POLICEUK_MONTH.name)
    proc = run_pvw(home, "run")
    assert "Published" in proc.stdout, proc.stdout
    return home
