"""The fixer on every fixture: exactly the expected rewrite, a connected trace when the rewritten
program runs, nothing left for the linter, and nothing more to do on a second run."""

from __future__ import annotations

from typing import Any

import isort
import pytest

from fixed_fixtures import DECLINED, FIXABLE, FIXED, UNTOUCHED, fixed_path
from fixture_files import ALL, Fixture, runtime_params, span_tree
from flake8_otel_context.checker import analyze_source
from flake8_otel_context.fixer.engine import FixOptions, fix_source
from flake8_otel_context.rules import DEFAULT_ON, RULES, RULES_BY_CODE


def options_for(fixture: Fixture) -> FixOptions:
    """The opt-in OTC210 fixtures are checked with that rule selected, like the linter's tests."""
    return FixOptions(codes=frozenset(RULES_BY_CODE)) if fixture.rule == "OTC210" else FixOptions()


@pytest.mark.parametrize("fixture", FIXABLE, ids=lambda f: f.id)
def test_fixer_output_is_the_reviewed_rewrite(fixture: Fixture) -> None:
    assert fix_source(fixture.source).source == fixed_path(fixture).read_text(encoding="utf-8")


@pytest.mark.parametrize("fixture", FIXABLE, ids=lambda f: f.id)
def test_linter_finds_nothing_in_the_rewrite(fixture: Fixture) -> None:
    assert analyze_source(fixed_path(fixture).read_text(encoding="utf-8"), codes=DEFAULT_ON) == []


@pytest.mark.parametrize("fixture", FIXABLE, ids=lambda f: f.id)
def test_second_run_changes_nothing(fixture: Fixture) -> None:
    fixed = fixed_path(fixture).read_text(encoding="utf-8")
    assert fix_source(fixed).source == fixed


@pytest.mark.parametrize("fixture", FIXABLE, ids=lambda f: f.id)
def test_added_imports_sit_where_isort_keeps_them(fixture: Fixture) -> None:
    assert isort.check_code(fixture.source)
    assert isort.check_code(fixed_path(fixture).read_text(encoding="utf-8"), show_diff=True)


@pytest.mark.slow  # one interpreter per rewrite: the batch is conftest.rewrite_span_trees
@pytest.mark.parametrize("fixture", runtime_params(FIXABLE), ids=lambda f: f.id)
def test_rewritten_program_exports_the_right_span_tree(
    fixture: Fixture, rewrite_span_trees: dict[str, dict[str, Any] | Exception]
) -> None:
    """The broken program's tree is shown wrong by test_fixtures; the rewrite must make it right."""
    assert span_tree(rewrite_span_trees[fixture.id])["mismatches"] == []


@pytest.mark.parametrize("fixture_id", sorted(DECLINED))
def test_findings_it_cannot_fix_safely_are_left_with_the_reason(fixture_id: str) -> None:
    fixture = next(f for f in ALL if f.id == fixture_id)
    result = fix_source(fixture.source)
    assert result.source == fixture.source
    assert result.fixed == []
    assert any(DECLINED[fixture_id] in d.reason for d in result.declined)


@pytest.mark.parametrize("fixture", UNTOUCHED, ids=lambda f: f.id)
def test_clean_and_unfixable_programs_are_left_byte_identical(fixture: Fixture) -> None:
    result = fix_source(fixture.source, options_for(fixture))
    assert result.source == fixture.source
    if fixture.fires:
        assert {d.finding.code for d in result.declined} >= {fixture.rule}


def test_every_fixable_rule_is_proven_on_a_fixture() -> None:
    proven = {f.rule for f in FIXABLE}
    assert {rule.code for rule in RULES if rule.fix is not None} <= proven


def test_no_stale_rewrites_are_kept() -> None:
    expected = {fixed_path(f) for f in FIXABLE}
    assert set(FIXED.glob("*/*.py")) == expected


def test_every_rule_says_whether_it_is_fixable() -> None:
    for rule in RULES:
        assert (rule.fix is None) == bool(rule.not_fixable), rule.code
