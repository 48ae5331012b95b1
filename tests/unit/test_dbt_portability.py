"""The dbt project stays portable: no engine-specific SQL written directly in a model.

DuckDB-only constructs (and a few whose meaning differs between engines) belong in the
adapter-dispatched macros of dbt_project/macros/cross_db/ (or dbt's own cross-database
macros), which keep DuckDB's exact SQL and give other engines theirs; docs/portability.md
lists them. This test reads, after stripping comments, every model (dbt_project/models), every
data test dbt runs (dbt_project/tests) and the SQL fixtures of dbt unit tests (`format: sql`
in the models' YAML), and fails on any token below, naming file, line and the macro to use.
Macros are not scanned: that is where engine-specific SQL lives. Pure Python, no dbt run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DBT = REPO / "dbt_project"

# (name, pattern, what to use instead). Patterns run on the SQL with comments blanked out,
# case-insensitively. (?<![.\w]) keeps dbt's own macros (dbt.datediff(...)) and longer names
# (median_value(...)) from matching.
TOKENS: list[tuple[str, str, str]] = [
    ("list_sum/list_avg/list_*", r"(?<![.\w])list_\w+\s*\(",
     "ordered_sum / ordered_avg / ordered_stddev_samp (cross_db/ordered_aggregates.sql)"),
    ("list()", r"(?<![.\w])list\s*\(", "ordered_* aggregates; DuckDB's list aggregate"),
    ("lambda", r"\blambda\b", "regex_last_match(..., filter_var=, filter_condition=)"),
    ("unnest", r"(?<![.\w])unnest\s*\(", "split_to_rows / month_series (set_returning.sql)"),
    ("generate_series", r"(?<![.\w])generate_series\s*\(", "month_series (set_returning.sql)"),
    ("to_months/to_years/...",
     r"(?<![.\w])to_(?:years|months|weeks|days|hours|minutes|seconds)\s*\(", "dbt.dateadd"),
    ("string_split", r"(?<![.\w])string_split\w*\s*\(", "split_to_rows or dbt.split_part"),
    ("string_agg", r"(?<![.\w])string_agg\s*\(", "dbt.listagg"),
    ("regexp_*", r"(?<![.\w])regexp_\w+\s*\(",
     "regex_replace / regex_full_match / regex_last_match (cross_db/regex.sql): flags, group "
     "references and backslashes in literals differ between engines"),
    ("strftime/strptime", r"(?<![.\w])str[fp]time\s*\(",
     "a dispatched macro (period_labels.sql rolling_period_month_label)"),
    ("try_cast", r"(?<![.\w])try_cast\s*\(", "try_cast_as (cross_db/safe_cast.sql)"),
    (":: cast", r"::", "cast(x as type)"),
    ("epoch", r"(?<![.\w])epoch(?:_ms|_us|_ns)?\s*\(|extract\s*\(\s*epoch\b", "dbt.datediff"),
    ("dow/isodow", r"extract\s*\(\s*(?:iso)?dow\b",
     "day_of_week_sunday_0 / day_of_week_iso (cross_db/day_of_week.sql): Spark numbers days "
     "from 1 = Sunday"),
    ("* exclude / * replace", r"\*\s*(?:exclude|replace)\s*\(", "star_except (star_except.sql)"),
    ("columns(*)", r"(?<![.\w])columns\s*\(", "list the columns"),
    ("qualify", r"\bqualify\b", "a subquery and WHERE, or latest_versions (latest_version.sql)"),
    ("group by all", r"\bgroup\s+by\s+all\b", "list the grouping columns"),
    ("order by all", r"\border\s+by\s+all\b", "list the ordering columns"),
    ("filter (where ...)", r"\bfilter\s*\(\s*where\b", "count(case when ... then 1 end), "
     "sum(case when ... then x end)"),
    ("median", r"(?<![.\w])median\s*\(", "median_value (cross_db/median.sql)"),
    ("date_diff/datediff", r"(?<![.\w])date_?diff\s*\(", "dbt.datediff: argument orders differ"),
    ("date_trunc", r"(?<![.\w])date_trunc\s*\(", "dbt.date_trunc"),
    ("date_part", r"(?<![.\w])date_part\s*\(", "extract(... from ...)"),
    ("date_add/date_sub", r"(?<![.\w])date_(?:add|sub)\s*\(",
     "dbt.dateadd: DuckDB adds an interval, Spark a number of days"),
    ("last_day", r"(?<![.\w])last_day\s*\(", "dbt.last_day"),
    ("any_value", r"(?<![.\w])any_value\s*\(", "dbt.any_value"),
    ("bool_or/bool_and", r"(?<![.\w])bool_(?:or|and)\s*\(", "dbt.bool_or"),
    ("struct/list literals", r"(?<![.\w])(?:struct_pack|struct_extract|list_value|list_pack)\s*\(",
     "no portable form: avoid"),
    ("DuckDB-only types", r"\b(?:u?hugeint|ubigint|uinteger|usmallint|utinyint)\b",
     "bigint, integer, type_double()"),
    ("varchar without length", r"\bvarchar\b(?!\s*\()",
     "dbt.type_string(): Spark needs varchar(n)"),
    ("double", r"\bas\s+double\b(?!\s+precision)",
     "type_double() (cross_db/types.sql): PostgreSQL has no double, Spark no double precision"),
    ("DuckDB-only aggregates", r"(?<![.\w])(?:fsum|favg|sumkahan|kahan_sum)\s*\(",
     "ordered_sum"),
    ("hash", r"(?<![.\w])hash\s*\(", "dbt.hash (each engine hashes differently)"),
    ("DuckDB readers", r"(?<![.\w])read_(?:csv|csv_auto|parquet|json|json_auto)\s*\(",
     "a dbt source"),
    ("asof/positional join", r"\b(?:asof|positional)\s+join\b", "an ordinary join"),
    ("time_bucket", r"(?<![.\w])time_bucket\s*\(", "dbt.date_trunc"),
    # read in the SQL outside Jinja tags only (Jinja's own strings may use double quotes)
    ("double-quoted identifier", r'"[^"\n]*"',
     "{{ adapter.quote('...') }}: Spark reads \"...\" as a string, not a column"),
]
OUTSIDE_JINJA = {"double-quoted identifier"}

# Engine-specific SQL that genuinely stays, each with its reason:
# {(path relative to dbt_project/, token name): reason}. An entry that no longer matches
# anything fails test_allow_list_is_current, so that the list never outlives its reason.
ALLOWED: dict[tuple[str, str], str] = {
    # dbt_project/tests/ is outside this change (other people are editing it); the FILTER
    # clause counts a partnership listed among its own neighbours. Before a move to an engine
    # without FILTER: count(case when similar_partnership_code = partnership_code then 1 end).
    ("tests/assert_most_similar_groups_have_15_neighbours.sql", "filter (where ...)"):
        "singular data test, outside this change; one-line rewrite noted in docs/portability.md",
}


def strip_comments(sql: str) -> str:
    """Blank out Jinja comments, /* */ comments and -- comments, keeping every newline so that
    line numbers stay right. A -- inside a quoted string on its line is not a comment."""
    sql = re.sub(r"\{#.*?#\}|/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()), sql,
                 flags=re.S)
    lines = []
    for line in sql.split("\n"):
        quote = None
        for i, ch in enumerate(line):
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "'\"":
                quote = ch
            elif line.startswith("--", i):
                line = line[:i]
                break
        lines.append(line)
    return "\n".join(lines)


def find_tokens(sql: str) -> list[tuple[int, str, str]]:
    """(line number, token name, advice) for every token in the SQL, comments stripped."""
    code = strip_comments(sql)
    outside_jinja = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", lambda m: re.sub(r"[^\n]", " ", m.group()),
                           code, flags=re.S)
    found = []
    for name, pattern, advice in TOKENS:
        text = outside_jinja if name in OUTSIDE_JINJA else code
        for match in re.finditer(pattern, text, flags=re.I):
            found.append((code.count("\n", 0, match.start()) + 1, name, advice))
    return sorted(found)


def unit_test_sql(path: Path) -> list[tuple[int, str]]:
    """The SQL fixtures (format: sql) of the dbt unit tests in a YAML file, each with the
    line of the file it starts on (approximate: the first line of its text)."""
    text = path.read_text(encoding="utf-8")
    fixtures = []
    for test in (yaml.safe_load(text) or {}).get("unit_tests") or []:
        for part in [*(test.get("given") or []), test.get("expect") or {}]:
            if part.get("format") == "sql" and isinstance(part.get("rows"), str):
                first = part["rows"].strip().split("\n")[0]
                line = next((n for n, ln in enumerate(text.split("\n"), 1) if first in ln), 1)
                fixtures.append((line, part["rows"]))
    return fixtures


def scanned() -> list[tuple[str, int, str]]:
    """(path relative to dbt_project/, first line, SQL) of everything the test reads."""
    out = []
    for path in sorted([*(DBT / "models").rglob("*.sql"), *(DBT / "tests").rglob("*.sql")]):
        out.append((str(path.relative_to(DBT)), 1, path.read_text(encoding="utf-8")))
    for path in sorted((DBT / "models").rglob("*.yml")):
        for line, sql in unit_test_sql(path):
            out.append((str(path.relative_to(DBT)), line, sql))
    return out


def violations() -> list[tuple[str, int, str, str]]:
    found = []
    for rel, first_line, sql in scanned():
        for line, name, advice in find_tokens(sql):
            found.append((rel, first_line + line - 1, name, advice))
    return found


def test_no_engine_specific_sql_outside_macros() -> None:
    bad = [f"dbt_project/{rel}:{line}: {name} -> use {advice}"
           for rel, line, name, advice in violations() if (rel, name) not in ALLOWED]
    assert not bad, ("engine-specific SQL in models or tests (put it in a dispatched macro, "
                     "see docs/portability.md):\n" + "\n".join(bad))


def test_allow_list_is_current() -> None:
    matched = {(rel, name) for rel, _, name, _ in violations()}
    stale = sorted(set(ALLOWED) - matched)
    assert not stale, f"allow-list entries that no longer match anything: {stale}"


def test_the_scan_reads_the_project() -> None:
    rels = [rel for rel, _, _ in scanned()]
    assert sum(rel.startswith("models/") and rel.endswith(".sql") for rel in rels) >= 70
    assert "models/intermediate/int_indicator_trends.yml" in rels  # its SQL fixture


@pytest.mark.parametrize(("sql", "expected"), [
    ("select list_sum(list(x order by k)) from t", ["list()", "list_sum/list_avg/list_*"]),
    ("select count(*) filter (where ok) from t group by all", ["filter (where ...)",
                                                               "group by all"]),
    ("select a::date, try_cast(b as double) from t", [":: cast", "double", "try_cast"]),
    ("select * from t qualify row_number() over () = 1", ["qualify"]),
    ("select extract(isodow from ts), t.* exclude (a) from t", ["* exclude / * replace",
                                                               "dow/isodow"]),
    # comments, dbt's macros and the project's own macros are not engine-specific SQL
    ("-- list_sum(list(x)) group by all\nselect 1", []),
    ("{# qualify row_number() #}\n/* ::date */ select 'a -- b' as c -- median(x)", []),
    ("select {{ dbt.datediff('a', 'b', 'day') }}, {{ dbt.any_value('x') }}", []),
    ("select {{ median_value('x') }}, {{ try_cast_as('x', type_double()) }}", []),
    ("select cast(x as double precision), cast(y as varchar(10))", []),
    ('select "Crime ID" as crime_id from t', ["double-quoted identifier"]),
    ("select {{ adapter.quote('Crime ID') }}, {{ dbt.concat([\"'a'\", 'b']) }} from t", []),
])
def test_tokens(sql: str, expected: list[str]) -> None:
    assert sorted(name for _, name, _ in find_tokens(sql)) == sorted(expected)


def test_line_numbers_survive_comment_stripping() -> None:
    sql = "{# one\ntwo #}\n/* three\nfour */\nselect 1 -- five\nfrom t qualify x"
    advice = {name: advice for name, _, advice in TOKENS}["qualify"]
    assert find_tokens(sql) == [(6, "qualify", advice)]
