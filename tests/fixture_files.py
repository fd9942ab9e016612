"""The bundled fixtures and what each one claims."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HARNESS = Path(__file__).resolve().parent / "span_harness.py"
_EXPECT = re.compile(r"#\s*expect:\s*(OTC\d+(?:\s*,\s*OTC\d+)*)")


@dataclass(frozen=True)
class Fixture:
    path: Path

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"

    @property
    def rule(self) -> str:
        return self.path.parent.name

    @property
    def fires(self) -> bool:
        return self.path.name.startswith("fire_")

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def expected_findings(self) -> set[tuple[int, str]]:
        found = set()
        for number, line in enumerate(self.source.splitlines(), start=1):
            match = _EXPECT.search(line)
            if match:
                found.update((number, code.strip()) for code in match.group(1).split(","))
        return found

    def required_python(self) -> tuple[int, ...]:
        for node in ast.parse(self.source).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "REQUIRES_PYTHON" for t in node.targets
            ):
                return tuple(ast.literal_eval(node.value))
        return ()

    def runs_here(self) -> bool:
        return sys.version_info >= self.required_python()


ALL = [Fixture(p) for p in sorted(FIXTURES.glob("OTC*/*.py"))]


def run_program(path: Path) -> dict[str, Any]:
    """The span tree ``path`` exports when run under the SDK (see span_harness.py), in its own interpreter."""
    completed = subprocess.run(
        [sys.executable, str(HARNESS), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=path.parent,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    result["stderr"] = completed.stderr
    return result


def run_programs(paths: Sequence[Path]) -> dict[Path, dict[str, Any] | Exception]:
    """Run many programs at once: each needs its own interpreter, and most of the time is start-up.

    A program that cannot be run (it raises, or the harness fails) is kept as its exception, so the
    others still get their span trees and only that program's test fails (see ``span_tree``)."""

    def attempt(path: Path) -> dict[str, Any] | Exception:
        try:
            return run_program(path)
        except Exception as error:
            return error

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip(paths, pool.map(attempt, paths)))


def span_tree(result: dict[str, Any] | Exception) -> dict[str, Any]:
    """One program's result from ``run_programs``; raises its error if it could not be run."""
    if isinstance(result, Exception):
        raise result
    return result


def runtime_params(fixtures: Iterable[Fixture]) -> list[Any]:
    """``fixtures`` as pytest parameters, those this Python cannot run marked to be skipped. A skip
    mark takes effect before the test's fixtures are set up, so a selection of only skipped ones
    starts no batch of programs."""
    params = []
    for fixture in fixtures:
        reason = f"needs Python {fixture.required_python()}"
        marks = [] if fixture.runs_here() else [pytest.mark.skip(reason=reason)]
        params.append(pytest.param(fixture, marks=marks))
    return params
