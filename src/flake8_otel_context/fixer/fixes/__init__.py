"""One module per rewrite, each naming the codes it fixes; like the rules, found by discovery.

A fix module has ``CODES`` and ``plan(findings, tree)``, which yields an ``Edit`` for what it can
rewrite and a ``Declined`` (with the reason) for what it cannot. It may also have
``settle(findings, shapes)``, which yields the ``Declined`` that the analysis's anchors and ``ast``
already decide: the engine asks it first, so a file whose every finding it settles is never parsed
by libcst, and ``plan`` sees only the findings it left.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from typing import Optional

from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.fixer.edits import Declined, Edit  # noqa: F401 (named in Plan)
from flake8_otel_context.fixer.shapes import Shapes
from flake8_otel_context.fixer.tree import FixTree

Plan = Callable[[list[Finding], FixTree], Iterable["Edit | Declined"]]
Settle = Callable[[list[Finding], Shapes], Iterable[Declined]]

FIXES: dict[str, Plan] = {}
SETTLES: dict[Plan, Optional[Settle]] = {}
for _module in pkgutil.iter_modules(__path__):
    _fix = importlib.import_module(f"{__name__}.{_module.name}")
    for _code in _fix.CODES:
        FIXES[_code] = _fix.plan
    SETTLES[_fix.plan] = getattr(_fix, "settle", None)
