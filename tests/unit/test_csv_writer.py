"""The generator writes its CSV files itself (one DuckDB query renders every line, Python cuts
them into files: a COPY per file cost milliseconds and national scale has 50,000 files). The
bytes must be exactly those of DuckDB's own ``COPY … (FORMAT csv, HEADER)``, which the loaders
read: checked here on awkward values, drawn at random."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from orchestration.synthetic.base import write_partitioned

AWKWARD = ["", " ", "a,b", 'say "hi"', "#hash", "line\nbreak", "cr\rlf", "plain", "ünïcödé",
           "x'y", ";", "tab\there", ",", '"', "  padded  "]


def test_written_files_are_byte_identical_to_duckdbs_copy(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 3000
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (SELECT unnest(?) AS _file, unnest(?) AS id, "
        "unnest(?) AS text, unnest(?) AS amount, unnest(?) AS flag, unnest(?) AS day)",
        [[f"f{k}" for k in rng.integers(0, 7, n)], list(range(n)),
         [None if k == len(AWKWARD) else AWKWARD[k] for k in rng.integers(0, len(AWKWARD) + 1, n)],
         [None if v < -1.5 else float(v) for v in rng.normal(size=n)],
         [bool(b) for b in rng.integers(0, 2, n)],
         [f"2024-0{m}-1{d}" for m, d in zip(rng.integers(1, 10, n), rng.integers(0, 10, n),
                                            strict=True)]])
    con.execute("ALTER TABLE t ALTER day TYPE DATE")
    ours = tmp_path / "ours"
    ours.mkdir()
    files, rows = write_partitioned(con, "SELECT * FROM t", "_file, id", ours)
    assert (files, rows) == (7, n)
    for name in sorted(p.stem for p in ours.iterdir()):
        theirs = tmp_path / f"{name}.copy.csv"
        con.execute(f"COPY (SELECT id, text, amount, flag, day FROM t WHERE _file = '{name}' "
                    f"ORDER BY id) TO '{theirs}' (FORMAT csv, HEADER)")
        assert (ours / f"{name}.csv").read_bytes() == theirs.read_bytes(), name
