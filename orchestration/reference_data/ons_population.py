"""Build the age/sex population and land-area seeds from the ONS mid-2019 workbook.

Source: ONS, Population estimates for the UK, England and Wales, Scotland and Northern Ireland:
mid-2019, April 2020 local authority district codes (``ukmidyearestimates20192020ladcodes.xls``).
Contains public sector information licensed under the Open Government Licence v3.0.

Writes, for English local authority districts (E06, E07, E08, E09):

- ``seeds/reference/population_mye2019_age_sex.csv``: lad_code, sex, age_band_start,
  age_band_end, population. The bands are the 19 European Standard Population 2013 bands
  (0-4, 5-9, ..., 85-89, 90+) with 15-19 split into 15-15 and 16-19, so that residents aged
  16+ can be counted exactly; age_band_end is empty for 90+.
- ``seeds/reference/lad_area_mye2019.csv``: lad_code, area_sq_km (sheet MYE 5, published
  in whole square kilometres).

Checks before writing: every district's bands add up to its ``All ages`` on the same sheet,
and males + females equal the persons total in ``seeds/reference/population_mye2019.csv``.

Usage: ``python -m orchestration.reference_data.ons_population <path-to-xls> [<seeds-dir>]``
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from python_calamine import CalamineWorkbook

from orchestration.settings import REPO_ROOT

SEEDS = REPO_ROOT / "seeds" / "reference"
ENGLISH_DISTRICTS = ("E06", "E07", "E08", "E09")
SHEETS = {"male": "MYE2 - Males", "female": "MYE2 - Females"}
AREA_SHEET = "MYE 5"
OLDEST = 90  # the last single-year column is "90+"

# (start, end) of each band; end None = open-ended (90+)
BANDS: list[tuple[int, int | None]] = (
    [(0, 4), (5, 9), (10, 14), (15, 15), (16, 19)]
    + [(start, start + 4) for start in range(20, OLDEST, 5)]
    + [(OLDEST, None)]
)


def _english_rows(workbook: CalamineWorkbook, sheet: str, first_column: str) -> tuple[list, list]:
    """The header row (the one starting 'Code') and the rows of English districts."""
    rows = workbook.get_sheet_by_name(sheet).to_python()
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "Code")
    header = rows[header_at]
    if header[:4] != ["Code", "Name", "Geography1", first_column]:
        raise ValueError(f"{sheet}: unexpected header {header[:4]}")
    body = [
        row for row in rows[header_at + 1:]
        if isinstance(row[0], str) and row[0].startswith(ENGLISH_DISTRICTS)
    ]
    return header, body


def _whole(value: object, where: str) -> int:
    number = float(value)  # type: ignore[arg-type]
    if number != int(number) or number < 0:
        raise ValueError(f"{where}: not a non-negative whole number: {value!r}")
    return int(number)


def age_sex_rows(workbook: CalamineWorkbook) -> list[dict]:
    """One row per English district x sex x band, checked against the sheet's 'All ages'."""
    out: list[dict] = []
    for sex, sheet in SHEETS.items():
        header, body = _english_rows(workbook, sheet, "All ages")
        ages = header[4:]
        expected = [float(a) for a in range(OLDEST)] + [f"{OLDEST}+"]
        if ages[: OLDEST + 1] != expected:
            raise ValueError(f"{sheet}: age columns are not 0..89, 90+")
        for row in body:
            code = row[0]
            by_age = [_whole(v, f"{sheet} {code}") for v in row[4:4 + OLDEST + 1]]
            all_ages = _whole(row[3], f"{sheet} {code} All ages")
            total = 0
            for start, end in BANDS:
                population = sum(by_age[start:(OLDEST if end is None else end) + 1])
                total += population
                out.append({"lad_code": code, "sex": sex, "age_band_start": start,
                            "age_band_end": end, "population": population})
            if total != all_ages:
                raise ValueError(f"{sheet} {code}: bands add up to {total}, All ages {all_ages}")
    return out


def area_rows(workbook: CalamineWorkbook) -> list[dict]:
    _, body = _english_rows(workbook, AREA_SHEET, "Area (sq km)")
    return [{"lad_code": row[0], "area_sq_km": _whole(row[3], f"{AREA_SHEET} {row[0]}")}
            for row in body]


def check_against_persons(rows: list[dict], persons_csv: Path) -> None:
    """Males + females of every district equal the persons 'All ages' of the persons seed,
    and the workbook has exactly the English districts of that seed."""
    with persons_csv.open(newline="") as f:
        persons = {r["Code"]: int(r["All ages"]) for r in csv.DictReader(f)
                   if r["Code"].startswith(ENGLISH_DISTRICTS)}
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["lad_code"]] = totals.get(r["lad_code"], 0) + r["population"]
    if set(totals) != set(persons):
        raise ValueError(f"districts differ from {persons_csv.name}: "
                         f"{sorted(set(totals) ^ set(persons))}")
    wrong = {code: (totals[code], persons[code]) for code in persons
             if totals[code] != persons[code]}
    if wrong:
        raise ValueError(f"males + females differ from {persons_csv.name}: {wrong}")


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build(xls: Path, seeds: Path = SEEDS) -> tuple[int, int]:
    """Write both seeds; returns (age/sex rows, districts with an area)."""
    workbook = CalamineWorkbook.from_path(str(xls))
    rows = age_sex_rows(workbook)
    check_against_persons(rows, seeds / "population_mye2019.csv")
    areas = area_rows(workbook)
    if {a["lad_code"] for a in areas} != {r["lad_code"] for r in rows}:
        raise ValueError("MYE 5 and MYE2 list different English districts")
    order = {sex: i for i, sex in enumerate(SHEETS)}
    rows.sort(key=lambda r: (r["lad_code"], order[r["sex"]], r["age_band_start"]))
    _write(seeds / "population_mye2019_age_sex.csv", rows)
    _write(seeds / "lad_area_mye2019.csv", sorted(areas, key=lambda r: r["lad_code"]))
    return len(rows), len(areas)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    seeds = Path(args[1]) if len(args) == 2 else SEEDS
    n_rows, n_areas = build(Path(args[0]), seeds)
    print(f"wrote {n_rows} age/sex rows and {n_areas} district areas to {seeds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
