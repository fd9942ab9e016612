from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The project model caches module summaries in the user's cache directory; the suite (and every
# flake8 or otel-context-fix it starts) keeps them in a directory of its own instead.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="otel-context-test-cache-")


# Running a fixture under the SDK takes a fresh interpreter (tests/span_harness.py), and most of
# that is start-up, so each set of programs runs once per session, in parallel. As session fixtures,
# the batches show up in ``--durations`` as the setup of whichever test asks first, not as the time
# of that one test. Results are keyed by fixture id; see fixture_files.span_tree. (The imports are
# in the fixtures, so that a broken package fails the tests that need it, not the whole session.)


@pytest.fixture(scope="session")
def fixture_span_trees() -> dict[str, dict[str, Any] | Exception]:
    """The span tree of every bundled fixture this Python can run (test_fixtures.py)."""
    from fixture_files import ALL, run_programs

    runnable = [f for f in ALL if f.runs_here()]
    results = run_programs([f.path for f in runnable])
    return {f.id: results[f.path] for f in runnable}


@pytest.fixture(scope="session")
def rewrite_span_trees() -> dict[str, dict[str, Any] | Exception]:
    """The span tree of the fixer's reviewed rewrite of every fixable fixture this Python can run
    (test_fixer_fixtures.py)."""
    from fixed_fixtures import FIXABLE, fixed_path
    from fixture_files import run_programs

    runnable = [f for f in FIXABLE if f.runs_here()]
    results = run_programs([fixed_path(f) for f in runnable])
    return {f.id: results[fixed_path(f)] for f in runnable}
