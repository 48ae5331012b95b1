"""The DfE's published local-authority tables: exclusions by reason (SFR35/2017) and pupil
attendance (2024/25 year to date), loaded exactly as published.

The real files (orchestration/synthetic/published/) load with every row accounted for and
none quarantined;
a suppressed value (x, c, z) stays text in raw, never 0; a changed header rejects the file
with its reason; the demo generator writes the published files byte for byte, whole.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.contracts import CONTRACTS
from orchestration.ingest import ingest_source
from orchestration.settings import REPO_ROOT
from orchestration.synthetic import dfe_attendance_la, dfe_exclusions_la
from orchestration.synthetic.base import GenerationContext
from orchestration.synthetic.generate import generators

FIXTURES = REPO_ROOT / "orchestration" / "synthetic" / "published"  # <source>/<file>
FILES = {"dfe_exclusions_la": "reasons.csv", "dfe_attendance_la": "EES_ytd_data.csv"}
NOW = datetime(2025, 8, 1, 12, 0)


def _published(source: str) -> Path:
    return FIXTURES / source / FILES[source]


def _land(landing: Path, source: str, name: str, text: str | None = None) -> Path:
    folder = landing / source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if text is None:
        shutil.copyfile(_published(source), path)
    else:
        path.write_text(text)
    return path


def _independent_counts(path: Path) -> tuple[int, list[str]]:
    """Data rows and header of a published file, read without the loader."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return len(frame), list(frame.columns)


@pytest.mark.parametrize("source", sorted(FILES))
def test_contract_fields_are_the_published_header_in_order(source: str) -> None:
    _, header = _independent_counts(_published(source))
    assert list(CONTRACTS[source].column_names) == header


@pytest.mark.parametrize("source", sorted(FILES))
def test_real_file_loads_every_row_and_quarantines_none(source: str, tmp_path: Path) -> None:
    rows, _ = _independent_counts(_published(source))
    _land(tmp_path, source, FILES[source])
    con = duckdb.connect()
    [result] = ingest_source(con, CONTRACTS[source], tmp_path, now=NOW)
    reasons = con.execute("SELECT line_number, reason FROM ops.quarantine LIMIT 5").fetchall()
    assert reasons == []
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded", rows, rows, 0)
    assert con.execute(f"SELECT count(*) FROM raw.{source}").fetchall()[0][0] == rows
    # loading the same published file again changes nothing
    [again] = ingest_source(con, CONTRACTS[source], tmp_path, now=NOW)
    assert again.status == "unchanged"
    assert con.execute(f"SELECT count(*) FROM raw.{source}").fetchall()[0][0] == rows


def test_suppressed_exclusion_counts_stay_x_in_raw_never_zero(tmp_path: Path) -> None:
    _land(tmp_path, "dfe_exclusions_la", "reasons.csv")
    con = duckdb.connect()
    ingest_source(con, CONTRACTS["dfe_exclusions_la"], tmp_path, now=NOW)
    # England, 2016/17, state-funded primary: drug and alcohol permanent exclusions are x
    cell = con.execute(
        "SELECT perm_drug_alcohol, perm_physical_pupils FROM raw.dfe_exclusions_la "
        "WHERE year = '201617' AND level = 'NATIONAL' AND school_type = 'State-funded primary'"
    ).fetchall()
    assert cell == [("x", "160")]
    counts = [f.name for f in CONTRACTS["dfe_exclusions_la"].fields][10:]
    assert len(counts) == 24
    x_in_raw = con.execute(
        "SELECT " + " + ".join(f"count(*) FILTER (WHERE {c} = 'x')" for c in counts)
        + " FROM raw.dfe_exclusions_la"
    ).fetchall()[0][0]
    x_in_file = con.execute(
        "SELECT " + " + ".join(f"count(*) FILTER (WHERE {c} = 'x')" for c in counts)
        + f" FROM read_csv('{_published('dfe_exclusions_la')}', all_varchar = true)"
    ).fetchall()[0][0]
    assert x_in_raw == x_in_file == 21790
    # a decimal count as published is kept as published
    decimal = con.execute(
        "SELECT perm_physical_pupils FROM raw.dfe_exclusions_la WHERE year = '200708' "
        "AND old_la_code = '820' AND school_type = 'Total'"
    ).fetchall()
    assert decimal == [("19.588",)]


def test_withheld_attendance_figures_stay_c_and_z_in_raw(tmp_path: Path) -> None:
    _land(tmp_path, "dfe_attendance_la", "EES_ytd_data.csv")
    con = duckdb.connect()
    ingest_source(con, CONTRACTS["dfe_attendance_la"], tmp_path, now=NOW)
    rows = con.execute(
        "SELECT la_name, education_phase, num_schools, total_num_schools, enrolments, pa_perc "
        "FROM raw.dfe_attendance_la WHERE pa_perc = 'c' ORDER BY la_name"
    ).fetchall()
    assert rows == [
        ("Bracknell Forest", "Special", "1", "z", "c", "c"),
        ("City of London", "Primary", "1", "z", "c", "c"),
        ("Isles of Scilly", "Secondary", "1", "z", "c", "c"),
    ]
    # the persistent absence rate is in this file (pa_perc), for every other authority row
    missing = con.execute(
        "SELECT count(*) FROM raw.dfe_attendance_la WHERE geographic_level = 'Local authority' "
        "AND try_cast(pa_perc AS DOUBLE) IS NULL AND pa_perc <> 'c'"
    ).fetchall()[0][0]
    assert missing == 0


def _lines(source: str) -> list[str]:
    return _published(source).read_text().splitlines()


def test_changed_exclusions_header_rejects_the_file_with_the_reason(tmp_path: Path) -> None:
    lines = _lines("dfe_exclusions_la")
    header = lines[0].replace("perm_physical_pupils,", "perm_physical_pupil,")
    _land(tmp_path, "dfe_exclusions_la", "reasons.csv", "\n".join([header, *lines[1:4]]) + "\n")
    con = duckdb.connect()
    [result] = ingest_source(con, CONTRACTS["dfe_exclusions_la"], tmp_path, now=NOW)
    assert (result.status, result.rows_loaded) == ("rejected", 0)
    assert result.message == (
        "line 1: the header does not match the dfe_exclusions_la contract: "
        "missing column(s) perm_physical_pupils; unexpected column(s) perm_physical_pupil"
    )
    assert con.execute("SELECT count(*) FROM raw.dfe_exclusions_la").fetchall() == [(0,)]
    logged = con.execute("SELECT status, message FROM ops.load_log").fetchall()
    assert logged == [("rejected", result.message)]


def test_attendance_file_without_persistent_absence_is_rejected(tmp_path: Path) -> None:
    frame = pd.read_csv(_published("dfe_attendance_la"), dtype=str, keep_default_na=False)
    path = tmp_path / "dfe_attendance_la" / "EES_ytd_data.csv"
    path.parent.mkdir(parents=True)
    frame.drop(columns=["pa_perc"]).head(5).to_csv(path, index=False)
    con = duckdb.connect()
    [result] = ingest_source(con, CONTRACTS["dfe_attendance_la"], tmp_path, now=NOW)
    assert (result.status, result.message) == (
        "rejected",
        "line 1: the header does not match the dfe_attendance_la contract: "
        "missing column(s) pa_perc",
    )


def test_bad_published_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    lines = _lines("dfe_exclusions_la")
    header, national, regional = lines[0], lines[1], lines[5]
    local = next(line for line in lines if ",LOCAL AUTHORITY," in line)
    hartlepool = next(line for line in lines if ",E06000001,Hartlepool," in line)
    rows = [
        national,                                             # line 2 good
        national.replace(",1025,", ",-1025,", 1),             # 3 negative count
        national.replace(",1025,", ",low,", 1),               # 4 symbol not in this table
        national.replace(",1025,", ",,", 1),                  # 5 blank count: not 0
        national.replace("201617,", "201618,", 1),            # 6 not consecutive years
        regional.replace(",E12000001,", ",,", 1),             # 7 regional row without region
        hartlepool.replace(",E06000001,", ",E07000117,", 1),  # 8 a district is not an LA
        local,                                                # 9 good
        local,                                                # 10 duplicate of line 9
    ]
    _land(tmp_path, "dfe_exclusions_la", "reasons.csv", "\n".join([header, *rows]) + "\n")
    con = duckdb.connect()
    [result] = ingest_source(con, CONTRACTS["dfe_exclusions_la"], tmp_path, now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (9, 2, 7)
    reasons = dict(con.execute("SELECT line_number, reason FROM ops.quarantine").fetchall())
    assert reasons[3] == "perm_physical_pupils '-1025' is not in the expected format"
    assert reasons[4] == "perm_physical_pupils 'low' is not in the expected format"
    assert reasons[5] == "perm_physical_pupils is required but blank"
    assert reasons[6] == "year is not an academic year of two consecutive years (e.g. 201617)"
    assert reasons[7] == "a REGIONAL row needs region_code and no local authority"
    assert reasons[8] == "new_la_code 'E07000117' is not in the expected format"
    assert reasons[10] == "duplicate of the record on line 9"


@pytest.mark.parametrize("module", [dfe_exclusions_la, dfe_attendance_la])
def test_generator_writes_the_whole_published_table(module, tmp_path: Path) -> None:
    # no partnerships at all: the published table is national and is never filtered
    ctx = GenerationContext(lsoas=pd.DataFrame(), landing=tmp_path, seed=1,
                            months=pd.date_range("2022-04-01", periods=1, freq="MS"))
    result = module.generate(ctx)
    name = FILES[module.SOURCE]
    rows, _ = _independent_counts(_published(module.SOURCE))
    assert (result.source, result.files, result.rows) == (module.SOURCE, 1, rows)
    written = sorted((tmp_path / module.SOURCE).iterdir())
    assert [p.name for p in written] == [name]
    assert written[0].read_bytes() == _published(module.SOURCE).read_bytes()
    assert module in generators() and module.ORDER >= 70
