"""Which rules a run checks, by flake8's rules for ``--select``, ``--ignore`` and ``per-file-ignores``.

Codes match by prefix (``OTC1`` is every OTC1nn rule), and when a code matches both lists the longer
prefix decides (``--ignore OTC1 --select OTC101`` keeps OTC101). Without ``--select`` the default set
runs, which leaves out the opt-in rules; a ``--select`` prefix that matches an opt-in rule turns it on.
``per-file-ignores`` adds to the ignored codes of the files its most specific matching pattern names,
parsed and matched by flake8's own functions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flake8 import utils

from flake8_otel_context.rules import RULES

PerFileIgnores = list[tuple[str, list[str]]]

_LOG = logging.getLogger(__name__)


def selected_codes(select: Sequence[str], ignore: Sequence[str]) -> set[str]:
    chosen = set()
    for rule in RULES:
        if select:
            selected = _longest_match(rule.code, select)
        else:
            selected = 0 if rule.enabled_by_default else -1
        if selected >= 0 and selected > _longest_match(rule.code, ignore):
            chosen.add(rule.code)
    return chosen


def _longest_match(code: str, prefixes: Sequence[str]) -> int:
    return max((len(prefix) for prefix in prefixes if code.startswith(prefix)), default=-1)


def per_file_ignores(value: str) -> PerFileIgnores:
    """``"tests/*:OTC1 legacy.py:OTC302"`` as (normalised pattern, codes) pairs; raises flake8's
    ExecutionError for text flake8 would reject."""
    pairs = utils.parse_files_to_codes_mapping(value)
    return [(utils.normalize_path(pattern), codes) for pattern, codes in pairs]


def ignored_in(path: str, mapping: PerFileIgnores) -> list[str]:
    """The codes the most specific pattern matching ``path`` ignores there, as flake8 chooses it."""
    matching = [
        (pattern, codes)
        for pattern, codes in mapping
        if utils.matches_filename(path, [pattern], "per-file-ignores %(path)s", _LOG)
    ]
    return max(matching, key=lambda match: len(match[0]))[1] if matching else []
