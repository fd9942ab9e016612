"""The bundled fixtures and what each one claims."""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
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
