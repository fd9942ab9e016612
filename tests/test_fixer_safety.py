"""The fixer never changes what a program does: each hazard found on other projects' code, as a spec.

Each case is a program shape where a rewrite used to break working code (a process pool that cannot
pickle a context, a long-lived thread pinned to one request, a signature other code calls, a new
hard dependency). The fixer must leave it alone, or take the form that cannot break it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from flake8_otel_context.analysis.settings import Settings, SpanScope
from flake8_otel_context.fixer.engine import FixOptions, fix_source

EVERYWHERE = FixOptions(Settings(span_scope=SpanScope.EVERYWHERE))
PREAMBLE = dedent(
    """\
    import threading
    from concurrent.futures import Executor, ThreadPoolExecutor

    from opentelemetry import trace

    tracer = trace.get_tracer(__name__)


    """
)


def test_an_executor_that_may_be_a_process_pool_is_not_given_a_context() -> None:
    source = dedent(
        """\
        import asyncio
        from concurrent.futures import ProcessPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def square(x):
            with tracer.start_as_current_span("square"):
                return x * x


        async def handle(executor, x):
            with tracer.start_as_current_span("request"):
                return await asyncio.get_running_loop().run_in_executor(executor, square, x)


        if __name__ == "__main__":
            with ProcessPoolExecutor(1) as pool:
                print(asyncio.run(handle(pool, 3)))
        """
    )
    result = fix_source(source, EVERYWHERE)
    assert result.source == source
    [declined] = result.declined
    assert "process pool" in declined.reason


def test_the_loop_s_default_executor_and_a_known_thread_pool_are_rewritten() -> None:
    source = dedent(
        """\
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)
        POOL = ThreadPoolExecutor()


        def fetch(x):
            with tracer.start_as_current_span("fetch"):
                return x


        async def handle(x):
            with tracer.start_as_current_span("request"):
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(None, fetch, x), await loop.run_in_executor(POOL, fetch, x)
        """
    )
    result = fix_source(source, EVERYWHERE)
    assert result.source.count("contextvars.copy_context().run, fetch") == 2
    assert not result.declined


@pytest.mark.parametrize(
    "start",
    [
        # a worker that drains a queue for the life of its thread
        "threading.Thread(target=self._drain).start()",
        # a daemon thread started once, at construction
        "threading.Thread(target=self._tick, daemon=True).start()",
    ],
)
def test_a_long_lived_thread_is_never_pinned_to_the_context_it_was_started_in(start: str) -> None:
    source = dedent(
        f"""\
        import queue
        import threading
        import time

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        class Exporter:
            def __init__(self):
                self.jobs = queue.Queue()
                with tracer.start_as_current_span("setup"):
                    {start}

            def _drain(self):
                while True:
                    with tracer.start_as_current_span("export"):
                        self.jobs.get()

            def _tick(self):
                with tracer.start_as_current_span("tick"):
                    time.sleep(1)
        """
    )
    for scope in (SpanScope.LEXICAL, SpanScope.EVERYWHERE):
        result = fix_source(source, FixOptions(Settings(span_scope=scope)))
        assert result.source == source, scope


def test_a_module_level_worker_keeps_its_signature(tmp_path: Path) -> None:
    """Tests and other modules call ``_render(n)`` directly: it must still take one argument."""
    source = dedent(
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def _render(n):
            with tracer.start_as_current_span("render"):
                return n


        def handle(n):
            with tracer.start_as_current_span("request"):
                threading.Thread(target=_render, args=(n,)).start()
        """
    )
    fixed = fix_source(source, FixOptions()).source
    assert "def _render(n):" in fixed
    assert "target=functools.partial(contextvars.copy_context().run, _render), args=(n,)" in fixed
    (tmp_path / "module.py").write_text(fixed, encoding="utf-8")
    caller = "import module; assert module._render(2) == 2; module.handle(3)"
    subprocess.run([sys.executable, "-c", caller], cwd=tmp_path, check=True)


def test_a_module_without_opentelemetry_gets_no_opentelemetry_import() -> None:
    source = dedent(
        """\
        from concurrent.futures import ThreadPoolExecutor

        import requests


        def handle(pool: ThreadPoolExecutor, url):
            def fetch():
                return requests.get(url)
            return pool.submit(fetch).result()
        """
    )
    fixed = fix_source(source, EVERYWHERE).source
    assert "pool.submit(contextvars.copy_context().run, fetch)" in fixed
    assert "opentelemetry" not in fixed


@pytest.mark.parametrize(
    "shape",
    [
        # pyee: "pass a ProcessPoolExecutor if you like", says its docstring
        """\
        class Emitter:
            def __init__(self, executor: Executor | None = None):
                if executor:
                    self._executor: Executor = executor
                else:
                    self._executor = ThreadPoolExecutor()

            def emit(self, f, *args):
                with tracer.start_as_current_span("emit"):
                    return self._executor.submit(f, *args)
        """,
        # tornado, futurist: the executor a caller or a factory hands in
        """\
        def run(executor: Executor, f, *args):
            with tracer.start_as_current_span("run"):
                return executor.submit(f, *args)
        """,
    ],
)
def test_an_executor_typed_only_as_executor_may_be_a_process_pool(shape: str) -> None:
    source = PREAMBLE + dedent(shape)
    result = fix_source(source, EVERYWHERE)
    assert result.source == source
    assert result.declined and all("process pool" in d.reason for d in result.declined)


@pytest.mark.parametrize(
    "shape",
    [
        # waitress: worker threads whose target the caller passes
        """\
        def start(target, count):
            with tracer.start_as_current_span("start"):
                for n in range(count):
                    threading.Thread(target=target, args=(n,)).start()
        """,
        # pykka, apscheduler: an actor's or a scheduler's loop, a method of the object
        """\
        class Actor:
            def start(self):
                with tracer.start_as_current_span("start"):
                    threading.Thread(target=self._loop).start()

            def _loop(self):
                while True:
                    self.handle(self.inbox.get())
        """,
    ],
)
def test_a_thread_whose_target_may_serve_its_whole_life_is_not_pinned(shape: str) -> None:
    source = PREAMBLE + dedent(shape)
    result = fix_source(source, EVERYWHERE)
    assert result.source == source


def test_a_worker_handed_a_function_that_runs_in_a_copied_context_is_left_alone() -> None:
    """asgiref's SyncToAsync copies the context and hands the pool a function that enters it."""
    source = dedent(
        """\
        import asyncio
        import contextvars
        import functools

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        class SyncToAsync:
            async def __call__(self, *args):
                loop = asyncio.get_running_loop()
                with tracer.start_as_current_span("call"):
                    context = contextvars.copy_context() if self.context is None else self.context
                    child = functools.partial(self.func, *args)

                    def func(child):
                        return context.run(child)

                    handler = functools.partial(self.thread_handler, loop, func, child)
                    return await loop.run_in_executor(None, handler)

            def thread_handler(self, loop, func, *args):
                return func(*args)
        """
    )
    result = fix_source(source, EVERYWHERE)
    assert result.source == source and not result.found
