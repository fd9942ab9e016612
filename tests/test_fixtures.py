"""Every fixture: the linter finds exactly what is marked, and the program really behaves that way."""

from __future__ import annotations

from typing import Any

import pytest

from fixture_files import ALL, Fixture, runtime_params, span_tree
from flake8_otel_context.checker import analyze_source
from flake8_otel_context.rules import DEFAULT_ON, RULES_BY_CODE


def lint(fixture: Fixture) -> set[tuple[int, str]]:
    codes = set(RULES_BY_CODE) if fixture.rule == "OTC210" else set(DEFAULT_ON)
    return {(f.line, f.code) for f in analyze_source(fixture.source, codes=codes)}


@pytest.mark.parametrize("fixture", ALL, ids=lambda f: f.id)
def test_linter_reports_exactly_the_marked_findings(fixture: Fixture) -> None:
    assert lint(fixture) == fixture.expected_findings()


@pytest.mark.parametrize("fixture", ALL, ids=lambda f: f.id)
def test_fixture_is_named_for_what_it_does(fixture: Fixture) -> None:
    assert fixture.rule in RULES_BY_CODE
    assert fixture.path.name.startswith(("fire_", "clean_"))
    marked_codes = {code for _, code in fixture.expected_findings()}
    if fixture.fires:
        assert fixture.rule in marked_codes
    else:
        assert not marked_codes


def test_every_rule_has_enough_fixtures() -> None:
    for code in RULES_BY_CODE:
        fires = [f for f in ALL if f.rule == code and f.fires]
        cleans = [f for f in ALL if f.rule == code and not f.fires]
        assert len(fires) >= 3 and len(cleans) >= 3, code


@pytest.mark.slow  # one interpreter per fixture: the batch is conftest.fixture_span_trees
@pytest.mark.parametrize("fixture", runtime_params(ALL), ids=lambda f: f.id)
def test_runtime_span_tree_proves_the_claim(
    fixture: Fixture, fixture_span_trees: dict[str, dict[str, Any] | Exception]
) -> None:
    result = span_tree(fixture_span_trees[fixture.id])
    breaks = fixture.fires and RULES_BY_CODE[fixture.rule].breaks_at_runtime
    if breaks:
        assert result["mismatches"], "the fixture claims a broken trace, but the span tree is right"
    else:
        assert result["mismatches"] == []
