"""Every fixture: the linter finds exactly what is marked, and the program really behaves that way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from fixture_files import ALL, Fixture
from flake8_otel_context.checker import analyze_source
from flake8_otel_context.rules import RULES_BY_CODE

HARNESS = Path(__file__).resolve().parent / "span_harness.py"


def lint(fixture: Fixture) -> set[tuple[int, str]]:
    codes = set(RULES_BY_CODE) if fixture.rule == "OTC210" else {
        code for code, rule in RULES_BY_CODE.items() if rule.enabled_by_default
    }
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


def _run(fixture: Fixture) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, str(HARNESS), str(fixture.path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=fixture.path.parent,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    result["stderr"] = completed.stderr
    return result


@lru_cache(maxsize=None)
def _runtime_results() -> dict[str, dict[str, Any]]:
    """Run every fixture once, in parallel: each needs its own interpreter."""
    runnable = [f for f in ALL if f.runs_here()]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip((f.id for f in runnable), pool.map(_run, runnable)))


@pytest.mark.parametrize("fixture", ALL, ids=lambda f: f.id)
def test_runtime_span_tree_proves_the_claim(fixture: Fixture) -> None:
    if not fixture.runs_here():
        pytest.skip(f"needs Python {fixture.required_python()}")
    result = _runtime_results()[fixture.id]
    breaks = fixture.fires and RULES_BY_CODE[fixture.rule].breaks_at_runtime
    if breaks:
        assert result["mismatches"], "the fixture claims a broken trace, but the span tree is right"
    else:
        assert result["mismatches"] == []
