"""Watch the boundaries that lose a context: a thread pool's ``submit`` (which ``map`` and
``run_in_executor`` go through) and ``threading.Thread``'s ``start``.

The wrappers call the original with the same arguments; a pool work item is run through
``Sanitizer.run_in_worker``, which calls it and returns what it returns. Process pools are not
touched: their workers are in other processes, and the linter covers them (OTC104).
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import FrameType
from typing import Any

import pytest

from flake8_otel_context.runtime.sanitizer import Crossing, Sanitizer
from flake8_otel_context.runtime.sites import Site, current_frame

_SUBMIT_CALLS = frozenset({"submit"})
_MAP_CALLS = frozenset({"map"})
_LOOP_CALLS = frozenset({"run_in_executor", "to_thread"})
_THREAD_FILE = threading.__file__


def watch(sanitizer: Sanitizer, patch: pytest.MonkeyPatch) -> None:
    _watch_pools(sanitizer, patch)
    _watch_threads(sanitizer, patch)


def _watch_pools(sanitizer: Sanitizer, patch: pytest.MonkeyPatch) -> None:
    submit: Callable[..., Future[Any]] = ThreadPoolExecutor.submit

    @functools.wraps(submit)
    def watched_submit(
        self: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Future[Any]:
        crossing = None
        with sanitizer.guard("a thread pool's submit"):
            crossing = _pool_crossing(sanitizer, current_frame())
        if crossing is None:
            return submit(self, fn, *args, **kwargs)
        observed = crossing

        def item() -> Any:
            return sanitizer.run_in_worker(observed, functools.partial(fn, *args, **kwargs))

        return submit(self, item)

    patch.setattr(ThreadPoolExecutor, "submit", watched_submit)


def _pool_crossing(sanitizer: Sanitizer, frame: FrameType) -> Crossing | None:
    """Which boundary the project's code called (``map`` and ``run_in_executor`` reach ``submit``)."""
    caller = sanitizer.project.caller(frame)
    if caller is None:
        return None
    if "run_in_executor" in caller.through:
        code, call, names = "OTC101", "run_in_executor()", _LOOP_CALLS
    elif "map" in caller.through:
        code, call, names = "OTC102", "map()", _MAP_CALLS
    else:
        code, call, names = "OTC102", "submit()", _SUBMIT_CALLS
    site = sanitizer.project.site(caller.frame, names)
    return sanitizer.crossing(site, code, call) if site is not None else None


def _watch_threads(sanitizer: Sanitizer, patch: pytest.MonkeyPatch) -> None:
    """A thread is watched when the project's code starts it directly (a pool's own threads are
    started by the pool); it is reported where the project's code built it."""
    init = threading.Thread.__init__
    start = threading.Thread.start
    built_at: weakref.WeakKeyDictionary[threading.Thread, Site | None] = weakref.WeakKeyDictionary()

    @functools.wraps(init)
    def watched_init(self: threading.Thread, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        with sanitizer.guard("a thread's construction"):
            # A subclass's __init__ (its super().__init__()) is not where the thread is built: its caller is.
            frame: FrameType | None = current_frame()
            while frame is not None and frame.f_code.co_name == "__init__" and _self_of(frame) is self:
                frame = frame.f_back
            caller = sanitizer.project.caller(frame)
            if caller is not None and sanitizer.project.owns(caller.frame.f_code.co_filename):
                built_at[self] = sanitizer.project.site(caller.frame, frozenset({type(self).__name__}))

    @functools.wraps(start)
    def watched_start(self: threading.Thread) -> None:
        with sanitizer.guard("a thread's start"):
            _thread_crossing(sanitizer, self, current_frame(), built_at.pop(self, None))
        start(self)

    patch.setattr(threading.Thread, "__init__", watched_init)
    patch.setattr(threading.Thread, "start", watched_start)


def _self_of(frame: FrameType) -> object:
    """The first argument of the method ``frame`` runs, when it is called ``self``."""
    code = frame.f_code
    if code.co_argcount and code.co_varnames[0] == "self":
        return frame.f_locals.get("self")
    return None


def _thread_crossing(
    sanitizer: Sanitizer, thread: threading.Thread, frame: FrameType | None, built_at: Site | None
) -> None:
    """Note a thread the project's code starts itself (``Timer`` starts through ``threading``)."""
    while frame is not None and frame.f_code.co_filename == _THREAD_FILE:
        frame = frame.f_back
    if frame is None or not sanitizer.project.owns(frame.f_code.co_filename):
        return
    site = built_at or sanitizer.project.site(frame, frozenset({"start"}))
    if site is None:
        return
    name = site.name if site.name not in ("", "start") else type(thread).__name__
    crossing = sanitizer.crossing(site, "OTC103", f"{name}()")
    if crossing is not None:
        sanitizer.thread_started(thread, crossing)
