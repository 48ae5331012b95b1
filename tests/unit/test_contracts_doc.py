"""docs/contracts.md is generated from the contracts and must be current."""

from __future__ import annotations

from orchestration.contracts import CONTRACTS
from orchestration.contracts_doc import render
from orchestration.settings import REPO_ROOT


def test_docs_contracts_is_up_to_date() -> None:
    committed = (REPO_ROOT / "docs" / "contracts.md").read_text()
    assert committed == render(), "docs/contracts.md is out of date: run `pvw contracts`"


def test_every_field_of_every_contract_is_documented() -> None:
    text = render()
    for contract in CONTRACTS.values():
        assert f"## `{contract.source}`" in text
        for field in contract.fields:
            assert field.description.strip(), (contract.source, field.name)
            assert f"| `{field.name}` |" in text
