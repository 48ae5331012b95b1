"""The synthetic police extract generator: contract format, determinism, realism."""

from __future__ import annotations

import csv
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.contracts import POLICE_CRIMES
from orchestration.reference import placeable_partnerships
from orchestration.synthetic.base import period_end
from orchestration.synthetic.generate import DEMO_PARTNERSHIPS, choose_partnerships, generate


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*"))}


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("landing")
    generate(landing, "demo", "2022-04", 12, seed=7)
    return landing


def test_writes_one_file_per_force_and_month_in_contract_format(demo_landing: Path) -> None:
    files = sorted((demo_landing / "police_crimes").glob("*.csv"))
    # the five demo partnerships are all in Lancashire (E23000003): 12 monthly files
    assert [f.name for f in files] == [f"E23000003_2022-{m:02d}.csv" for m in range(4, 13)] + [
        f"E23000003_2023-{m:02d}.csv" for m in range(1, 4)
    ]
    with files[0].open(newline="") as fh:
        header = next(csv.reader(fh))
    assert tuple(header) == POLICE_CRIMES.column_names


def test_same_seed_same_bytes_other_seed_other_bytes(demo_landing: Path, tmp_path: Path) -> None:
    generate(tmp_path / "a", "demo", "2022-04", 12, seed=7)
    generate(tmp_path / "b", "demo", "2022-04", 12, seed=8)
    assert _digest(tmp_path / "a" / "police_crimes") == _digest(demo_landing / "police_crimes")
    assert _digest(tmp_path / "b" / "police_crimes") != _digest(demo_landing / "police_crimes")


def test_volumes_follow_population_and_england_rates(demo_landing: Path) -> None:
    con = duckdb.connect()
    lsoas = placeable_partnerships(con)
    con.register("lsoas", lsoas)
    rows = con.execute(
        f"""
        WITH crimes AS (
            SELECT c.offence_group, l.csp_code
            FROM read_csv('{demo_landing}/police_crimes/*.csv', all_varchar = true) c
            JOIN lsoas l USING (lsoa_code)
        ), pop AS (SELECT csp_code, sum(lsoa_population) AS population FROM lsoas GROUP BY 1)
        SELECT csp_code,
               count(*) FILTER (WHERE offence_group = 'VAP') * 1000.0 / any_value(population)
        FROM crimes JOIN pop USING (csp_code) GROUP BY csp_code
        """
    ).fetchall()
    assert {code for code, _ in rows} == set(DEMO_PARTNERSHIPS)
    # violence against the person runs at roughly 20-70 per 1,000 a year in English partnerships
    for code, rate in rows:
        assert 15 < rate < 80, (code, rate)


def test_weekend_nights_carry_the_night_time_economy(demo_landing: Path) -> None:
    share = duckdb.sql(
        f"""
        SELECT avg(CASE WHEN location_type IN ('street', 'licensed_premises')
                        THEN 1.0 ELSE 0.0 END) FILTER (WHERE night),
               avg(CASE WHEN location_type IN ('street', 'licensed_premises')
                        THEN 1.0 ELSE 0.0 END) FILTER (WHERE NOT night),
               avg(CASE WHEN domestic_abuse_flag = 'Y' THEN 1.0 ELSE 0.0 END)
                   FILTER (WHERE offence_group = 'VAP')
        FROM (
            SELECT *, (dayofweek(t) IN (5, 6) AND hour(t) >= 21)
                   OR (dayofweek(t) IN (6, 0) AND hour(t) < 4) AS night
            FROM (
                SELECT *, occurred_at::TIMESTAMP AS t
                FROM read_csv('{demo_landing}/police_crimes/*.csv', all_varchar = true)
                WHERE offence_group = 'VAP'
            )
        )
        """
    ).fetchall()[0]
    night_public, other_public, domestic = share
    assert night_public > other_public + 0.15
    assert 0.2 < domestic < 0.5


def test_choose_partnerships_by_count_code_and_rejects_unknown() -> None:
    assert choose_partnerships("3", seed=1) == choose_partnerships("3", seed=1)
    assert len(choose_partnerships("3", seed=1)) == 3
    assert choose_partnerships("E22000158", seed=1) == ["E22000158"]
    with pytest.raises(ValueError, match="E22999999"):
        choose_partnerships("E22999999", seed=1)
    with pytest.raises(ValueError, match="between 1 and"):
        choose_partnerships("0", seed=1)


def _arrivals(landing: Path, source: str) -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in sorted((landing / source).glob("*.csv"))}


def _days_late(path: Path, mtime: float) -> int:
    """Days from the last day of the file's period to the day it arrived (its mtime)."""
    return (datetime.fromtimestamp(mtime, UTC).date() - period_end(path).date()).days


def test_files_arrive_after_their_period_as_the_seed_says(demo_landing: Path, tmp_path) -> None:
    """Each file's modification time (the loader's received_at) is a realistic arrival:
    5 to about 45 days after its month (or financial year) ends, some senders habitually
    later; the same for the same seed, whatever else is generated, other for another seed."""
    late: dict[str, list[int]] = {}
    for folder in sorted(p for p in demo_landing.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.csv")):
            if period_end(path) is None:  # the DfE's national tables carry no period
                assert folder.name.startswith("dfe_"), path.name
                continue
            days = _days_late(path, path.stat().st_mtime)
            assert 5 <= days <= 120, (path.name, days)
            late.setdefault(folder.name, []).append(days)
    assert set(late) >= {"police_crimes", "ae_istv", "marac_cases", "hospital_admissions"}
    everything = [d for days in late.values() for d in days]
    assert sum(d <= 45 for d in everything) > 0.8 * len(everything)
    # one file per partnership and month: some partnerships habitually send later
    marac = _arrivals(demo_landing, "marac_cases")
    by_sender: dict[str, list[int]] = {}
    for name, mtime in marac.items():
        by_sender.setdefault(name[:9], []).append(_days_late(Path(name), mtime))
    medians = sorted(sorted(d)[len(d) // 2] for d in by_sender.values())
    assert medians[-1] - medians[0] >= 10, medians

    police = _arrivals(demo_landing, "police_crimes")
    generate(tmp_path / "same", "demo", "2022-04", 12, seed=7, sources=["police_crimes"])
    generate(tmp_path / "other", "demo", "2022-04", 12, seed=8, sources=["police_crimes"])
    assert _arrivals(tmp_path / "same", "police_crimes") == police
    assert _arrivals(tmp_path / "other", "police_crimes") != police
