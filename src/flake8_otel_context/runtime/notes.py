"""What the sanitizer saw, in the linter's vocabulary: one ``Loss`` per place, however often it
happened, with the tests that made it happen."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

from flake8_otel_context.runtime.sites import Site


@dataclass
class Loss:
    """One place in the project's code where a context was lost, at the linter's position for it."""

    site: Site
    code: str
    message: str  # without the code, and without the tests
    tests: list[str] = field(default_factory=list)  # every test that made it happen, first first
    times: int = 0

    def seen_in(self, test: str) -> None:
        """``test`` is empty for work done at import or collection time, outside any test."""
        self.times += 1
        if test and test not in self.tests:
            self.tests.append(test)

    def line(self, root: str) -> str:
        """``path:line:col: CODE message (first seen in TEST, N times)``, as flake8 prints findings."""
        first = self.tests[0] if self.tests else "no test (at import or collection)"
        times = "once" if self.times == 1 else f"{self.times} times"
        return (
            f"{relative(self.site.path, root)}:{self.site.line}:{self.site.col + 1}: {self.code} "
            f"{self.message} (first seen in {first}, {times})"
        )


class Notes:
    """Every loss, keyed by place and code, in the order they were first seen."""

    def __init__(self) -> None:
        self._losses: dict[tuple[str, int, int, str], Loss] = {}

    def add(self, site: Site, code: str, message: str, test: str) -> None:
        key = (site.path, site.line, site.col, code)
        loss = self._losses.setdefault(key, Loss(site, code, message))
        loss.seen_in(test)

    def export(self) -> list[dict[str, Any]]:
        """Plain data, for a pytest-xdist worker to hand its notes to the controller."""
        return [dataclasses.asdict(loss) for loss in self._losses.values()]

    def absorb(self, exported: list[dict[str, Any]]) -> None:
        """Add a worker's notes: the same place seen by several workers is one loss."""
        for item in exported:
            site = Site(**item["site"])
            key = (site.path, site.line, site.col, item["code"])
            loss = self._losses.setdefault(key, Loss(site, item["code"], item["message"]))
            loss.times += item["times"]
            loss.tests.extend(test for test in item["tests"] if test not in loss.tests)

    def losses(self) -> list[Loss]:
        return sorted(self._losses.values(), key=lambda loss: (loss.site.path, loss.site.line, loss.code))

    def of_test(self, test: str) -> list[Loss]:
        return [loss for loss in self.losses() if test in loss.tests]


def relative(path: str, root: str) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:  # another drive on Windows
        return path
