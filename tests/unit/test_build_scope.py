"""What an incremental dbt build leaves out (orchestration/build_scope.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.build_scope import (
    changed_sources,
    last_build,
    record_build,
    unchanged_scope,
)


def _node(uid: str, kind: str) -> dict:
    return {"unique_id": uid, "resource_type": kind, "name": uid.split(".")[-1],
            "schema": "marts"}


def _manifest() -> dict:
    """Two sources (a, b) and the ops log; a seed; models and tests over them."""
    nodes = {uid: _node(uid, kind) for uid, kind in [
        ("seed.p.places", "seed"),
        ("model.p.stg_a", "model"), ("model.p.stg_b", "model"), ("model.p.stg_ops", "model"),
        ("model.p.dim_places", "model"), ("model.p.fct_a", "model"),
        ("model.p.both", "model"),
        ("test.p.not_null_fct_a", "test"), ("test.p.fct_a_to_dim_places", "test"),
    ]}
    parents = {
        "model.p.stg_a": ["source.p.src.a"], "model.p.stg_b": ["source.p.src.b"],
        "model.p.stg_ops": ["source.p.ops.load_log"],
        "model.p.dim_places": ["seed.p.places"],
        "model.p.fct_a": ["model.p.stg_a", "model.p.dim_places"],
        "model.p.both": ["model.p.fct_a", "model.p.stg_b"],
        "test.p.not_null_fct_a": ["model.p.fct_a"],
        "test.p.fct_a_to_dim_places": ["model.p.fct_a", "model.p.dim_places"],
    }
    children: dict[str, list[str]] = {}
    for child, ps in parents.items():
        for parent in ps:
            children.setdefault(parent, []).append(child)
    sources = {f"source.p.{s}.{t}": {"source_name": s, "name": t}
               for s, t in [("src", "a"), ("src", "b"), ("ops", "load_log")]}
    return {"nodes": nodes, "sources": sources, "parent_map": parents,
            "child_map": children}


def test_only_sources_whose_loads_differ_have_changed() -> None:
    before = {"a": [3, 3, 0, 30, "2024-05-01T00:00:00.000000"], "b": [1, 1, 0, 5, "x"]}
    assert changed_sources(before, dict(before)) == set()
    now = {**before, "a": [4, 4, 0, 40, "2024-06-01T00:00:00.000000"]}
    assert changed_sources(before, now) == {"a", "ops"}
    assert changed_sources(before, {**now, "c": [1, 1, 0, 1, "y"]}) == {"a", "c", "ops"}
    # a load superseded: same files, another outcome
    assert changed_sources(before, {**before, "b": [1, 0, 1, 0, "x"]}) == {"b", "ops"}


def test_what_the_changed_sources_do_not_reach_is_left_out() -> None:
    scope = unchanged_scope(_manifest(), {"b", "ops"})
    # seeds always; models no changed source reaches, parents before children
    assert [n["unique_id"] for n in scope.unchanged] == [
        "seed.p.places", "model.p.dim_places", "model.p.stg_a", "model.p.fct_a"]
    assert scope.exclude == ["source:src.a", "dim_places", "stg_a", "fct_a",
                             "resource_type:seed", "resource_type:unit_test"]


def test_a_test_across_a_rebuilt_and_an_unchanged_model_is_kept() -> None:
    """Excluded are models, not tests: with cautious indirect selection a test runs when one
    of its parents is rebuilt (fct_a_to_dim_places when a changes, dim_places unchanged)."""
    scope = unchanged_scope(_manifest(), {"a", "ops"})
    assert "fct_a" not in scope.exclude and "both" not in scope.exclude
    assert "dim_places" in scope.exclude
    assert not any(e.startswith("test") or "not_null" in e for e in scope.exclude)


def test_nothing_changed_leaves_out_every_model() -> None:
    scope = unchanged_scope(_manifest(), set())
    assert {n["unique_id"] for n in scope.unchanged} == {
        uid for uid, n in _manifest()["nodes"].items() if n["resource_type"] != "test"}


def test_the_stamp_lives_in_the_warehouse_and_is_taken_by_a_build(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    assert last_build(warehouse) == ({}, {})  # no warehouse yet: a full build
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA ops")
    con.execute("CREATE TABLE ops.load_log (file VARCHAR, source VARCHAR, status VARCHAR, "
                "rows_loaded BIGINT, loaded_at TIMESTAMP)")
    con.execute("INSERT INTO ops.load_log VALUES ('a1.csv', 'a', 'loaded', 10, "
                "TIMESTAMP '2024-05-01 10:00'), ('a0.csv', 'a', 'superseded', 9, "
                "TIMESTAMP '2024-04-01 10:00'), ('b1.csv', 'b', 'rejected', 0, "
                "TIMESTAMP '2024-05-02 10:00')")
    con.close()
    stamp, loads = last_build(warehouse)
    assert stamp == {}
    assert loads == {"a": [2, 1, 1, 10, "2024-05-01T10:00:00.000000"],
                     "b": [1, 0, 0, 0, "2024-05-02T10:00:00.000000"]}
    old_stamp = tmp_path / "warehouse.dbt-project"  # where the stamp was kept before
    old_stamp.write_text("fingerprint")
    record_build(warehouse, "fingerprint", loads)
    assert not old_stamp.exists()
    assert last_build(warehouse) == ({"project": "fingerprint", "loads": loads}, loads)
    # taken: until the build that read it records itself again, the next one is full
    assert last_build(warehouse)[0] == {}
