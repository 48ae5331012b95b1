"""``dfe_exclusions_la`` for the demo: the DfE's real published exclusions-by-reason table
(SFR35/2017 ``reasons.csv``), written whole into the landing folder.

This is a national published table, not an agency extract: nothing is synthesised and
nothing is filtered to the chosen partnerships, because comparing an authority with England
needs every authority. The file ships with the package in ``synthetic/published/``.
"""

from __future__ import annotations

import shutil
from importlib.resources import as_file, files

import duckdb

from orchestration.contracts.dfe_exclusions_la import DFE_EXCLUSIONS_LA
from orchestration.synthetic.base import GeneratedSource, GenerationContext

SOURCE = DFE_EXCLUSIONS_LA.source
ORDER = 70  # reads no other source
PUBLISHED = True  # a published table: `--defects` leaves it as published
FILES = ("reasons.csv",)


def write_published(ctx: GenerationContext, source: str, names: tuple[str, ...]) -> GeneratedSource:
    """Copy the published files of ``source`` byte for byte; count their data rows."""
    folder = ctx.folder(source)
    rows = 0
    for name in names:
        with as_file(files("orchestration.synthetic") / "published" / source / name) as src:
            shutil.copyfile(src, folder / name)
        con = duckdb.connect()
        rows += con.execute(
            "SELECT count(*) FROM read_csv(?, header = true, all_varchar = true)",
            [str(folder / name)],
        ).fetchall()[0][0]
        con.close()
    return GeneratedSource(source, len(names), rows)


def generate(ctx: GenerationContext) -> GeneratedSource:
    return write_published(ctx, SOURCE, FILES)
