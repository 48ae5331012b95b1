"""``dfe_attendance_la`` for the demo: the DfE's real published pupil attendance table
(Explore Education Statistics, 2024/25 year to date, ``EES_ytd_data.csv``), written whole
into the landing folder.

A national published table, not an agency extract: nothing is synthesised or filtered, since
comparing an authority with England needs every authority. The file ships with the package
in ``synthetic/published/``.
"""

from __future__ import annotations

from orchestration.contracts.dfe_attendance_la import DFE_ATTENDANCE_LA
from orchestration.synthetic.base import GeneratedSource, GenerationContext
from orchestration.synthetic.dfe_exclusions_la import write_published

SOURCE = DFE_ATTENDANCE_LA.source
ORDER = 71  # reads no other source
PUBLISHED = True  # a published table: `--defects` leaves it as published
FILES = ("EES_ytd_data.csv",)


def generate(ctx: GenerationContext) -> GeneratedSource:
    return write_published(ctx, SOURCE, FILES)
