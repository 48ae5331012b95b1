"""`pvw run` parses the dbt project only when it changed: the parse costs 8 to 17 seconds of
every run's start-up (issue 7), and the manifest does not depend on the data home."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestration import run
from orchestration.settings import REPO_ROOT


def test_the_manifest_is_parsed_again_only_when_the_project_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO_ROOT / "dbt_project.yml", project)
    shutil.copytree(REPO_ROOT / "dbt_project", project / "dbt_project",
                    ignore=shutil.ignore_patterns("target", "logs"))
    shutil.copytree(REPO_ROOT / "seeds", project / "seeds")
    monkeypatch.setattr(run, "DBT_PROJECT_DIR", project)
    monkeypatch.setattr(run, "DBT_PROFILES_DIR", project / "dbt_project")
    manifest = project / "target" / "manifest.json"

    run.dbt_parse(tmp_path / "home-a")
    first = manifest.stat().st_mtime_ns
    run.dbt_parse(tmp_path / "home-b")  # another home, same project: nothing to parse
    assert manifest.stat().st_mtime_ns == first

    model = next((project / "dbt_project" / "models").rglob("indicator_values.sql"))
    model.write_text(model.read_text() + "\n-- changed\n")
    run.dbt_parse(tmp_path / "home-a")
    assert manifest.stat().st_mtime_ns > first
    assert "-- changed" in manifest.read_text()
