"""Name a run-time event the way the linter names the code behind it.

An attach that was never detached is reported where the linter reports it (OTC301 at the attach
whose token is dropped, OTC302 at each detach that an exception skips), so the two tools' reports
can be compared line by line. When the linter has nothing there, the event is reported at the attach
itself, as OTC301 if its token is dropped and OTC302 otherwise: a place the linter misses.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flake8_otel_context.analysis.findings import Anchor, Finding, SourceRange
from flake8_otel_context.checker import analyze_source
from flake8_otel_context.runtime.sites import Site

_TOKEN_CODES = frozenset({"OTC301", "OTC302"})


def attach_findings(attach: Site) -> list[tuple[Site, str]]:
    """Every place the linter reports for this attach: one for a dropped token, one per detach that
    an exception can skip (none of them ran, or the attach would not still be current)."""
    where = SourceRange(attach.line, attach.col, attach.end_line, attach.end_col)
    places = [
        (_at(attach, finding), finding.code)
        for finding in _token_findings(attach.path)
        if finding.source_range == where or finding.anchor(Anchor.ATTACH) == where
    ]
    return places or [(attach, "OTC301" if attach.is_statement else "OTC302")]


def _at(attach: Site, finding: Finding) -> Site:
    return Site(attach.path, finding.line, finding.col, finding.end_line, finding.end_col, attach.name)


@functools.lru_cache(maxsize=256)
def _token_findings(path: str) -> tuple[Finding, ...]:
    try:
        source = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ()
    return tuple(analyze_source(source, codes=_TOKEN_CODES))
