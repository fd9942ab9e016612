"""One module per rewrite, each naming the codes it fixes; like the rules, found by discovery.

A fix module has ``CODES`` and ``plan(findings, tree)``, which yields an ``Edit`` for what it can
rewrite and a ``Declined`` (with the reason) for what it cannot.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable

from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.fixer.edits import Declined, Edit  # noqa: F401 (named in Plan)
from flake8_otel_context.fixer.tree import FixTree

Plan = Callable[[list[Finding], FixTree], Iterable["Edit | Declined"]]

FIXES: dict[str, Plan] = {}
for _module in pkgutil.iter_modules(__path__):
    _fix = importlib.import_module(f"{__name__}.{_module.name}")
    for _code in _fix.CODES:
        FIXES[_code] = _fix.plan
