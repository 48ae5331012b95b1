"""The landing sensor starts a run only for complete files, once per version of a file."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.sensors import SETTLE_SECONDS, evaluate


def _touch(path: Path, text: str, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (mtime, mtime))


def test_a_file_is_taken_once_complete_and_only_once(tmp_path: Path) -> None:
    t0 = 1_700_000_000.0
    extract = tmp_path / "police_crimes" / "E23000003_2024-04.csv"
    _touch(extract, "header\nrow 1\n", t0)
    ready, cursor = evaluate(tmp_path, None, t0 + 1)
    assert ready == []  # first sight: not yet known to be complete
    ready, cursor = evaluate(tmp_path, cursor, t0 + 2)
    assert ready == []  # unchanged, but younger than the settle time
    ready, cursor = evaluate(tmp_path, cursor, t0 + SETTLE_SECONDS + 1)
    assert ready == [str(extract)]
    ready, cursor = evaluate(tmp_path, cursor, t0 + SETTLE_SECONDS + 40)
    assert ready == []  # already started a run for this version


def test_a_file_still_being_written_waits(tmp_path: Path) -> None:
    t0 = 1_700_000_000.0
    extract = tmp_path / "police_crimes" / "E23000003_2024-05.csv"
    _touch(extract, "header\n", t0)
    _, cursor = evaluate(tmp_path, None, t0 + 30)
    _touch(extract, "header\nrow 1\n", t0 + 31)  # grew since the last look
    ready, cursor = evaluate(tmp_path, cursor, t0 + 60)
    assert ready == []
    ready, cursor = evaluate(tmp_path, cursor, t0 + 90)
    assert ready == [str(extract)]
    _touch(extract, "header\nrow 1\nrow 2\n", t0 + 100)  # a corrected file re-sent
    _, cursor = evaluate(tmp_path, cursor, t0 + 120)
    ready, _ = evaluate(tmp_path, cursor, t0 + 150)
    assert ready == [str(extract)]


def test_hidden_partial_and_unknown_folders_are_ignored(tmp_path: Path) -> None:
    t0 = 1_700_000_000.0
    for name in ("police_crimes/.E23_2024-04.csv", "police_crimes/E23_2024-04.csv.part",
                 "not_a_source/x.csv", "police_crimes/notes.txt"):
        _touch(tmp_path / name, "x", t0)
    _, cursor = evaluate(tmp_path, None, t0 + 30)
    ready, _ = evaluate(tmp_path, cursor, t0 + 60)
    assert ready == []
