"""Which fixtures the fixer rewrites, and where their expected (golden) output is kept.

``fixtures/fixed/<dir>/<name>.py`` is the fixer's exact output for ``fixtures/<dir>/<name>.py``.
After a deliberate change to a rewrite, regenerate them with ``python tests/fixed_fixtures.py`` and
read the diff before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_files import ALL, FIXTURES, Fixture  # noqa: E402
from flake8_otel_context.fixer.engine import fix_source  # noqa: E402
from flake8_otel_context.rules import RULES_BY_CODE  # noqa: E402

FIXED = FIXTURES / "fixed"

# Fire fixtures of fixable rules that the fixer leaves for a person, with words from its reason.
DECLINED = {
    "OTC101/fire_run_in_executor_param_executor": "may be a process pool",
    "OTC102/fire_map_global_executor": "map() runs its items at once",
    "OTC102/fire_map_private_worker": "map() runs its items at once",
    "OTC102/fire_submit_param_executor_partial": "may be a process pool",
    "OTC301/fire_discarded_attach_async_consumer": "nothing follows attach() in its block",
    "OTC301/fire_discarded_attach_request_hook": "change its caller's context",
    "OTC302/fire_detach_in_other_function": "the token leaves this function",
    "OTC302/fire_detach_in_returned_generator": "the token leaves this function",
    "OTC302/fire_signal_pair_end_skipped_on_error": "the token leaves this function",
    "OTC302/fire_same_line_attach_and_detach": "attach() shares its line with other code",
    "OTC403/fire_map_lambda_copy": "map() runs its items at once",
}

SERVICES = [Fixture(path) for path in sorted(FIXTURES.glob("service/*.py"))]
FIXABLE = [
    f for f in ALL if f.fires and RULES_BY_CODE[f.rule].fix is not None and f.id not in DECLINED
] + SERVICES
UNTOUCHED = [f for f in ALL if f not in FIXABLE and f.id not in DECLINED]


def fixed_path(fixture: Fixture) -> Path:
    return FIXED / fixture.path.parent.name / fixture.path.name


def regenerate() -> None:
    for fixture in FIXABLE:
        target = fixed_path(fixture)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(fix_source(fixture.source).source, encoding="utf-8")
        print(target.relative_to(FIXTURES.parent))


if __name__ == "__main__":
    regenerate()
