"""Each rule's own examples: every invalid one is flagged with its code, no valid one is."""

from __future__ import annotations

from pathlib import Path

import pytest

from flake8_otel_context.checker import analyze_source
from flake8_otel_context.reference import reference
from flake8_otel_context.rules import RULES
from flake8_otel_context.rules.rule import Rule

INVALID = [(rule, i, example) for rule in RULES for i, example in enumerate(rule.invalid)]
VALID = [(rule, i, example) for rule in RULES for i, example in enumerate(rule.valid)]


def _id(case: tuple[Rule, int, str]) -> str:
    return f"{case[0].code}-{case[1]}"


@pytest.mark.parametrize("case", INVALID, ids=_id)
def test_invalid_example_is_flagged(case: tuple[Rule, int, str]) -> None:
    rule, _, example = case
    messages = [f.message for f in analyze_source(example, codes={rule.code})]
    assert messages
    for message in messages:
        assert message.startswith(rule.code + " ") and "{" not in message


@pytest.mark.parametrize("case", VALID, ids=_id)
def test_valid_example_is_not_flagged(case: tuple[Rule, int, str]) -> None:
    rule, _, example = case
    assert rule.code not in {f.code for f in analyze_source(example)}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule: Rule) -> None:
    assert rule.code.startswith("OTC") and rule.summary and rule.rationale
    assert rule.invalid and rule.valid


def test_docs_reference_is_up_to_date() -> None:
    docs = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    assert docs.read_text(encoding="utf-8") == reference(), (
        "docs/rules.md is stale: python -m flake8_otel_context.reference > docs/rules.md"
    )
