"""The analysis, the project model and Python's garbage collector.

Analysing one module allocates its facts by the hundred thousand in a large file; Python's
automatic full collections then rescan all that are still alive, again and again as they pile up,
which makes the time grow faster than the file. Paused for the one file, the collector finds the
garbage once, after.

A model is many small objects that live for the whole run. Left to the collector, every full
collection set off by what the run allocates next (each file's tree, flake8's forked workers
touching every page) scans them all again, and costs more than the parsing itself. Frozen, they are
left alone. A process that builds models again and again (a test suite, an editor's server driving
flake8 from Python) must not keep every earlier one frozen for good, with the garbage that was
around it: what an earlier build froze is released and collected first.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

_T = TypeVar("_T")


def built_frozen(build: Callable[[], _T]) -> _T:
    """``build()``, then frozen out of the collector's way; in a first build, nothing else is paid."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    built = build()
    gc.freeze()
    return built


@contextmanager
def accumulating(young_limit: int = 100_000) -> Iterator[Callable[[], None]]:
    """The collector paused for a build that keeps most of what it allocates (a model's
    summaries), and a step to call between its units of work: past ``young_limit`` new objects,
    they are frozen, moved out of the young generation without a scan, rather than collected, a
    scan that would find nothing: the build frees what it drops by reference counting, without
    cycles (``ModuleFacts.release``). After, everything is frozen and unfrozen at once: moved to
    the oldest generation, which the next full collection scans, as it would have. Unless
    something was frozen before: the process manages its frozen objects, and what the build made
    stays frozen (still freed by reference counting)."""
    frozen_before = gc.get_freeze_count()

    def step() -> None:
        if gc.get_count()[0] > young_limit:
            gc.freeze()

    with paused():
        try:
            yield step
        finally:
            gc.freeze()
            if not frozen_before:
                gc.unfreeze()


@contextmanager
def paused() -> Iterator[None]:
    """The automatic collector off for the block (and back on after, if it was on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
