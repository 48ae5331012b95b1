"""docs/contracts.md, written from the contracts themselves (``pvw contracts``), so the
documentation cannot drift from what the loader enforces; a test checks it is current."""

from __future__ import annotations

from orchestration.contracts import CONTRACTS, Contract, Field

TYPE_WORDS = {
    "varchar": "text",
    "integer": "whole number",
    "decimal": "number",
    "date": "date YYYY-MM-DD",
    "month": "month YYYY-MM",
    "timestamp": "date and time YYYY-MM-DD HH:MM",
    "boolean": "Y or N",
}


def _rules(f: Field) -> str:
    rules = []
    if f.codes and f.type != "boolean":
        rules.append("one of: " + ", ".join(f"`{c}`" for c in f.codes))
    if f.pattern:
        rules.append(f"matches `{f.pattern}`")
    if f.minimum is not None or f.maximum is not None:
        low = "" if f.minimum is None else f"{f.minimum}"
        high = "" if f.maximum is None else f"{f.maximum}"
        rules.append(f"between {low or '…'} and {high or '…'}")
    if f.reference:
        rules.append(f"in the reference set `{f.reference}`")
    if f.not_future:
        rules.append("not in the future")
    if f.pseudonymise:
        rules.append("**person identifier: stored only as a keyed hash**")
    return "; ".join(rules)


def _section(c: Contract) -> str:
    cell = lambda text: text.replace("|", "\\|")  # noqa: E731
    lines = [
        f"## `{c.source}` ({c.agency})",
        "",
        c.description,
        "",
        f"Landing folder `landing/{c.source}/`, files matching "
        + ", ".join(f"`{p}`" for p in c.landing_patterns)
        + f"; delimiter `{c.delimiter}`; record key: "
        + (", ".join(f"`{k}`" for k in c.key) or "none")
        + " (a record sent again is counted once).",
        "",
        "| field | type | required | rules | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for f in c.fields:
        lines.append(
            f"| `{f.name}` | {TYPE_WORDS[f.type]} | {'yes' if f.required else 'no'} | "
            f"{cell(_rules(f))} | {cell(f.description)} |"
        )
    if c.period_field:
        lines += ["", f"`{c.period_field}` must not fall after the month that ends the file's "
                  "name (`…_YYYY-MM.csv`): earlier dates are re-sent or late-recorded records."]
    if c.row_checks:
        lines += ["", "Checks across fields:"]
        lines += [f"- {message}" for _, message in c.row_checks]
    if c.notes:
        lines += ["", *[f"- {n}" for n in c.notes]]
    return "\n".join(lines)


def render() -> str:
    head = [
        "# Extract contracts",
        "",
        "Generated from `orchestration/contracts/` by `pvw contracts`; do not edit by hand.",
        "",
        "Every file is read as CSV (UTF-8 with or without a byte-order mark, or Windows-1252) or",
        "XLSX (the one sheet whose first row is the contract's header). Every row is validated;",
        "a row that breaks a rule goes to `ops.quarantine` with its file, line, reasons and raw",
        "record (person identifiers hashed); a file that cannot be read at all is rejected whole.",
        "For every file, rows read = rows loaded + rows quarantined (`ops.load_log`).",
        "",
        "Sources: " + ", ".join(f"`{s}`" for s in CONTRACTS) + ".",
        "",
    ]
    return "\n".join(head) + "\n" + "\n\n".join(_section(c) for c in CONTRACTS.values()) + "\n"
