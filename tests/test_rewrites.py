"""The fixer's rewrites, specified as small before/after programs.

Every rewrite is checked four ways: the fixer writes exactly ``after``; fixing ``after`` again changes
nothing and finds nothing left; ``after`` compiles; and a file that was isort-clean stays isort-clean.
Each ``after`` was read as a reviewer would: is it what a careful person would write, and is it right
at run time? Programs the fixer must leave alone are in
DECLINES (with a word of the reason it gives) and SUPPRESSED (``# noqa``).
"""

from __future__ import annotations

from textwrap import dedent

import isort
import pytest
from opentelemetry.sdk.trace import TracerProvider

from flake8_otel_context.fixer.engine import FixOptions, fix_source


def rewrite(name: str, before: str, after: str, *, style: str = "auto") -> object:
    return pytest.param(dedent(before), dedent(after), FixOptions(style=style), id=name)


BOUNDARIES = [
    # Other modules may call a public function: its signature stays, the call site passes a copy.
    rewrite(
        "public-worker-runs-in-a-copy-made-at-the-call-site",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            print(x)


        def go(x):
            with tracer.start_as_current_span("s"):
                t = threading.Thread(target=w, args=(x,))
                t.start()
        """,
        """\
        import contextvars
        import functools
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            print(x)


        def go(x):
            with tracer.start_as_current_span("s"):
                t = threading.Thread(target=functools.partial(contextvars.copy_context().run, w), args=(x,))
                t.start()
        """,
    ),
    # Every use of a nested function is in sight, so it can take the context as a parameter, first in args.
    rewrite(
        "nested-worker-attaches-the-context-passed-in-args",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                print(x)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=(x,)).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    print(x)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=(otel_context.get_current(), x)).start()
        """,
    ),
    # A Thread without args= gets a one-tuple.
    rewrite(
        "nested-worker-attaches-the-context-and-thread-gets-args",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def flush():
                print(x)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=flush).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def flush(ctx):
                token = otel_context.attach(ctx)
                try:
                    print(x)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=flush, args=(otel_context.get_current(),)).start()
        """,
    ),
    # Other modules and the project's tests may call even a private module-level function: its signature
    # stays, the call site runs it in a copy.
    rewrite(
        "thread-with-a-private-module-level-worker-runs-it-in-a-copy",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def _w(x):
            print(x)


        def go(x):
            with tracer.start_as_current_span("s"):
                threading.Thread(target=_w, args=(x,)).start()
        """,
        """\
        import contextvars
        import functools
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def _w(x):
            print(x)


        def go(x):
            with tracer.start_as_current_span("s"):
                threading.Thread(target=functools.partial(contextvars.copy_context().run, _w), args=(x,)).start()
        """,
    ),
    rewrite(
        "submit-private-module-level-worker-runs-in-a-copy",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def _w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(_w, x).result()
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def _w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(contextvars.copy_context().run, _w, x).result()
        """,
    ),
    rewrite(
        "run-in-executor-private-module-level-worker-runs-in-a-copy",
        """\
        import asyncio

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def _w(x):
            return x


        async def go(x):
            with tracer.start_as_current_span("s"):
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(None, _w, x)
        """,
        """\
        import asyncio
        import contextvars

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def _w(x):
            return x


        async def go(x):
            with tracer.start_as_current_span("s"):
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(None, contextvars.copy_context().run, _w, x)
        """,
    ),
    # --style copy-context: the call-site form even for a nested worker, where the attach form would apply.
    rewrite(
        "copy-context-style-leaves-a-nested-worker-alone",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                print(x)

            with tracer.start_as_current_span("s"):
                t = threading.Thread(target=w, args=(x,))
                t.start()
        """,
        """\
        import contextvars
        import functools
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                print(x)

            with tracer.start_as_current_span("s"):
                t = threading.Thread(target=functools.partial(contextvars.copy_context().run, w), args=(x,))
                t.start()
        """,
        style="copy-context",
    ),
    # The same for a pool's submit.
    rewrite(
        "copy-context-style-for-a-nested-worker",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w():
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w).result()
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w():
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(contextvars.copy_context().run, w).result()
        """,
        style="copy-context",
    ),
    # The direct call `w(x)` would break if w took a context first: the call site passes a copy instead.
    rewrite(
        "nested-worker-also-called-directly-keeps-its-signature",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                print(x)

            w(x)
            with tracer.start_as_current_span("s"):
                t = threading.Thread(target=w, args=(x,))
                t.start()
        """,
        """\
        import contextvars
        import functools
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                print(x)

            w(x)
            with tracer.start_as_current_span("s"):
                t = threading.Thread(target=functools.partial(contextvars.copy_context().run, w), args=(x,))
                t.start()
        """,
    ),
    # Both threads must pass the context that the one rewritten def now expects.
    rewrite(
        "worker-of-two-boundaries-is-rewritten-once-and-both-pass-the-context",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                print(x)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=(x,)).start()
                threading.Thread(target=w, args=(x + 1,)).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    print(x)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=(otel_context.get_current(), x)).start()
                threading.Thread(target=w, args=(otel_context.get_current(), x + 1)).start()
        """,
    ),
    # One def serves both: submit passes the context, map repeats it for every item.
    rewrite(
        "worker-of-submit-and-map-gets-one-parameter-for-both",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, xs):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                first = pool.submit(w, xs[0])
                return [first.result(), *pool.map(w, xs)]
        """,
        """\
        import itertools
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, xs):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    return x
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                first = pool.submit(w, otel_context.get_current(), xs[0])
                return [first.result(), *pool.map(w, itertools.repeat(otel_context.get_current()), xs)]
        """,
    ),
    # The attach goes after the docstring, which must stay the first statement to remain one.
    rewrite(
        "worker-docstring-stays-first",
        '''\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                """Print x."""
                print(x)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=(x,)).start()
        ''',
        '''\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(ctx, x):
                """Print x."""
                token = otel_context.attach(ctx)
                try:
                    print(x)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=(otel_context.get_current(), x)).start()
        ''',
    ),
    # The try/finally cannot share the def's line.
    rewrite(
        "one-line-def-becomes-a-block",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x): return x

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=(x,)).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    return x
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=(otel_context.get_current(), x)).start()
        """,
    ),
    # A list stays a list.
    rewrite(
        "thread-args-list-gets-the-context-first",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                print(x)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=[x]).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    print(x)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=[otel_context.get_current(), x]).start()
        """,
    ),
    # The sequence is only known at run time.
    rewrite(
        "thread-args-variable-is-unpacked-after-the-context",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(xs):
            def w(x):
                print(x)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=xs).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(xs):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    print(x)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=(otel_context.get_current(), *xs)).start()
        """,
    ),
    # Keyword arguments still reach their parameters; the context goes in args.
    rewrite(
        "thread-kwargs-are-left-alone",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                print(x)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, kwargs={"x": x}).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    print(x)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(target=w, args=(otel_context.get_current(),), kwargs={"x": x}).start()
        """,
    ),
    # Thread(group, target, name, args): args given positionally cannot take the context safely.
    rewrite(
        "thread-with-positional-args-gets-the-call-site-form",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                print(x)

            with tracer.start_as_current_span("s"):
                t = threading.Thread(None, w, None, (x,))
                t.start()
        """,
        """\
        import contextvars
        import functools
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                print(x)

            with tracer.start_as_current_span("s"):
                t = threading.Thread(None, functools.partial(contextvars.copy_context().run, w), None, (x,))
                t.start()
        """,
    ),
    # Timer(interval, function, args=None, kwargs=None).
    rewrite(
        "timer-with-nested-worker-gets-args",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go():
            def w():
                print(1)

            with tracer.start_as_current_span("s"):
                threading.Timer(1.0, w).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go():
            def w(ctx):
                token = otel_context.attach(ctx)
                try:
                    print(1)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Timer(1.0, w, args=(otel_context.get_current(),)).start()
        """,
    ),
    # Timer's function is positional: the copy is bound with a partial.
    rewrite(
        "timer-with-public-worker-gets-partial",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w():
            print(1)


        def go():
            with tracer.start_as_current_span("s"):
                threading.Timer(1.0, w).start()
        """,
        """\
        import contextvars
        import functools
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w():
            print(1)


        def go():
            with tracer.start_as_current_span("s"):
                threading.Timer(1.0, functools.partial(contextvars.copy_context().run, w)).start()
        """,
    ),
    # A call written one argument per line gets its new argument on a line of its own.
    rewrite(
        "multiline-call-keeps-one-argument-per-line",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x):
                print(x)

            with tracer.start_as_current_span("s"):
                threading.Thread(
                    target=w,
                    args=(x,),
                    daemon=True,
                ).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    print(x)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(
                    target=w,
                    args=(otel_context.get_current(), x),
                    daemon=True,
                ).start()
        """,
    ),
    rewrite(
        "multiline-call-gets-args-on-a-line-of-its-own",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go():
            def w():
                print(1)

            with tracer.start_as_current_span("s"):
                threading.Thread(
                    target=w,
                    daemon=True,
                ).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go():
            def w(ctx):
                token = otel_context.attach(ctx)
                try:
                    print(1)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(
                    target=w,
                    args=(otel_context.get_current(),),
                    daemon=True,
                ).start()
        """,
    ),
    rewrite(
        "multiline-args-tuple-gets-the-context-on-a-line-of-its-own",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(x, y):
                print(x, y)

            with tracer.start_as_current_span("s"):
                threading.Thread(
                    target=w,
                    args=(
                        x,
                        x,
                    ),
                ).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            def w(ctx, x, y):
                token = otel_context.attach(ctx)
                try:
                    print(x, y)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(
                    target=w,
                    args=(
                        otel_context.get_current(),
                        x,
                        x,
                    ),
                ).start()
        """,
    ),
    rewrite(
        "multiline-submit-gets-the-context-on-a-line-of-its-own",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(
                    w,
                    x,
                ).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    return x
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(
                    w,
                    otel_context.get_current(),
                    x,
                ).result()
        """,
    ),
    rewrite(
        "multiline-call-without-trailing-comma-keeps-its-layout",
        """\
        import asyncio

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        async def go():
            def w():
                return 1

            with tracer.start_as_current_span("s"):
                return await asyncio.get_running_loop().run_in_executor(
                    None,
                    w
                )
        """,
        """\
        import asyncio

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        async def go():
            def w(ctx):
                token = otel_context.attach(ctx)
                try:
                    return 1
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                return await asyncio.get_running_loop().run_in_executor(
                    None,
                    w,
                    otel_context.get_current()
                )
        """,
    ),
    rewrite(
        "multiline-call-with-a-single-argument-keeps-one-argument-per-line",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go():
            def w():
                print(1)

            with tracer.start_as_current_span("s"):
                threading.Thread(
                    target=w,
                ).start()
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go():
            def w(ctx):
                token = otel_context.attach(ctx)
                try:
                    print(1)
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                threading.Thread(
                    target=w,
                    args=(otel_context.get_current(),),
                ).start()
        """,
    ),
    rewrite(
        "submit-nested-worker-gets-the-context-as-first-argument",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    return x
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, otel_context.get_current(), x).result()
        """,
    ),
    rewrite(
        "submit-public-worker-runs-in-a-copy",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(contextvars.copy_context().run, w, x).result()
        """,
    ),
    # Each item attaches the same OpenTelemetry context: no contextvars.Context is entered twice.
    rewrite(
        "map-nested-worker-gets-the-context-repeated-for-every-item",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, xs):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return list(pool.map(w, xs))
        """,
        """\
        import itertools
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, xs):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    return x
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                return list(pool.map(w, itertools.repeat(otel_context.get_current()), xs))
        """,
    ),
    # repeat() goes before every iterable; keywords stay where they are.
    rewrite(
        "map-with-two-iterables-and-a-timeout",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, xs, ys):
            def w(x, y):
                return x + y

            with tracer.start_as_current_span("s"):
                return list(pool.map(w, xs, ys, timeout=5))
        """,
        """\
        import itertools
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, xs, ys):
            def w(ctx, x, y):
                token = otel_context.attach(ctx)
                try:
                    return x + y
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                return list(pool.map(w, itertools.repeat(otel_context.get_current()), xs, ys, timeout=5))
        """,
    ),
    rewrite(
        "run-in-executor-nested-worker-gets-the-context",
        """\
        import asyncio

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        async def go(x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(None, w, x)
        """,
        """\
        import asyncio

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        async def go(x):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    return x
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(None, w, otel_context.get_current(), x)
        """,
    ),
    rewrite(
        "run-in-executor-public-worker-runs-in-a-copy",
        """\
        import asyncio

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            return x


        async def go(x):
            with tracer.start_as_current_span("s"):
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(None, w, x)
        """,
        """\
        import asyncio
        import contextvars

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            return x


        async def go(x):
            with tracer.start_as_current_span("s"):
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(None, contextvars.copy_context().run, w, x)
        """,
    ),
    # `self._w` may be overridden in a subclass: its signature stays.
    rewrite(
        "method-worker-runs-in-a-copy",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        class C:
            def _w(self, x):
                return x

            def go(self, pool: ThreadPoolExecutor, x):
                with tracer.start_as_current_span("s"):
                    return pool.submit(self._w, x).result()
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        class C:
            def _w(self, x):
                return x

            def go(self, pool: ThreadPoolExecutor, x):
                with tracer.start_as_current_span("s"):
                    return pool.submit(contextvars.copy_context().run, self._w, x).result()
        """,
    ),
    # HANDLERS may call it without a context.
    rewrite(
        "worker-referenced-outside-a-boundary-runs-in-a-copy",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)
        HANDLERS = []


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            HANDLERS.append(w)
            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)
        HANDLERS = []


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            HANDLERS.append(w)
            with tracer.start_as_current_span("s"):
                return pool.submit(contextvars.copy_context().run, w, x).result()
        """,
    ),
    # The decorator may not pass a new first argument through.
    rewrite(
        "decorated-worker-runs-in-a-copy",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            @log_calls
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            @log_calls
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(contextvars.copy_context().run, w, x).result()
        """,
    ),
    # An annotated worker stays fully annotated.
    rewrite(
        "annotated-worker-gets-an-annotated-context-parameter",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x: int) -> int:
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx: otel_context.Context, x: int) -> int:
                token = otel_context.attach(ctx)
                try:
                    return x
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, otel_context.get_current(), x).result()
        """,
    ),
    # The worker already uses ctx and token: the added names must not capture them.
    rewrite(
        "worker-parameters-named-ctx-and-token-get-fresh-names",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, token):
                return ctx + token

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x, 1).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx_2, ctx, token):
                token_2 = otel_context.attach(ctx_2)
                try:
                    return ctx + token
                finally:
                    otel_context.detach(token_2)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, otel_context.get_current(), x, 1).result()
        """,
    ),
    rewrite(
        "private-worker-listed-in-dunder-all-keeps-its-signature",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)

        __all__ = ["_w"]


        def _w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(_w, x).result()
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)

        __all__ = ["_w"]


        def _w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(contextvars.copy_context().run, _w, x).result()
        """,
    ),
]


IMPORTS = [
    rewrite(
        "context-imported-as-context-is-reused",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context, trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context, trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = context.attach(ctx)
                try:
                    return x
                finally:
                    context.detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, context.get_current(), x).result()
        """,
    ),
    rewrite(
        "import-opentelemetry-context-as-oc-is-reused",
        """\
        from concurrent.futures import ThreadPoolExecutor

        import opentelemetry.context as oc
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        import opentelemetry.context as oc
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = oc.attach(ctx)
                try:
                    return x
                finally:
                    oc.detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, oc.get_current(), x).result()
        """,
    ),
    # `import opentelemetry.context` binds only `opentelemetry`.
    rewrite(
        "dotted-import-is-spelled-out",
        """\
        from concurrent.futures import ThreadPoolExecutor

        import opentelemetry.context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        import opentelemetry.context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = opentelemetry.context.attach(ctx)
                try:
                    return x
                finally:
                    opentelemetry.context.detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, opentelemetry.context.get_current(), x).result()
        """,
    ),
    # attach is already imported by name: detach and get_current join it.
    rewrite(
        "names-join-an-existing-from-import-sorted",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace
        from opentelemetry.context import attach

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace
        from opentelemetry.context import attach, detach, get_current

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = attach(ctx)
                try:
                    return x
                finally:
                    detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, get_current(), x).result()
        """,
    ),
    # isort's order_by_type: Context before attach.
    rewrite(
        "names-join-an-existing-from-import-after-its-classes",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace
        from opentelemetry.context import Context, attach

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace
        from opentelemetry.context import Context, attach, detach, get_current

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = attach(ctx)
                try:
                    return x
                finally:
                    detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, get_current(), x).result()
        """,
    ),
    rewrite(
        "names-join-a-parenthesized-import-one-per-line",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace
        from opentelemetry.context import (
            attach,
            set_value,
        )

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace
        from opentelemetry.context import (
            attach,
            detach,
            get_current,
            set_value,
        )

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = attach(ctx)
                try:
                    return x
                finally:
                    detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, get_current(), x).result()
        """,
    ),
    # `detach` is this file's own function: the detach comes through a new module alias.
    rewrite(
        "a-taken-name-is-not-imported-from-the-module",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace
        from opentelemetry.context import attach

        tracer = trace.get_tracer(__name__)


        def detach():
            pass


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context
        from opentelemetry import trace
        from opentelemetry.context import attach, get_current

        tracer = trace.get_tracer(__name__)


        def detach():
            pass


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = attach(ctx)
                try:
                    return x
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, get_current(), x).result()
        """,
    ),
    rewrite(
        "contextvars-alias-is-reused",
        """\
        import contextvars as cv
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        import contextvars as cv
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(cv.copy_context().run, w, x).result()
        """,
    ),
    rewrite(
        "copy-context-imported-by-name-is-reused",
        """\
        from concurrent.futures import ThreadPoolExecutor
        from contextvars import copy_context

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor
        from contextvars import copy_context

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(copy_context().run, w, x).result()
        """,
    ),
    rewrite(
        "copy-context-joins-an-existing-contextvars-import",
        """\
        from concurrent.futures import ThreadPoolExecutor
        from contextvars import ContextVar

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor
        from contextvars import ContextVar, copy_context

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(copy_context().run, w, x).result()
        """,
    ),
    rewrite(
        "new-import-avoids-a-name-the-file-uses",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)
        otel_context = {}


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as _otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)
        otel_context = {}


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = _otel_context.attach(ctx)
                try:
                    return x
                finally:
                    _otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, _otel_context.get_current(), x).result()
        """,
    ),
    rewrite(
        "new-contextvars-import-avoids-a-name-the-file-uses",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)
        contextvars = None


        def w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        import contextvars as _contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)
        contextvars = None


        def w(x):
            return x


        def go(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                return pool.submit(_contextvars.copy_context().run, w, x).result()
        """,
    ),
    rewrite(
        "new-third-party-import-is-sorted-among-others",
        """\
        from concurrent.futures import ThreadPoolExecutor

        import attr
        from opentelemetry import trace
        from zope import interface

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        import attr
        from opentelemetry import context as otel_context
        from opentelemetry import trace
        from zope import interface

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    return x
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, otel_context.get_current(), x).result()
        """,
    ),
    rewrite(
        "new-third-party-import-stays-above-local-imports",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        from . import db

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        from . import db

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    return x
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, otel_context.get_current(), x).result()
        """,
    ),
    rewrite(
        "module-without-opentelemetry-gets-the-call-site-form-not-a-new-dependency",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from . import tracer


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from . import tracer


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(contextvars.copy_context().run, w, x).result()
        """,
    ),
    rewrite(
        "file-without-imports-gets-its-import-separated-from-the-code",
        """\
        async def go(loop, tracer):
            with tracer.start_as_current_span("s"):
                await loop.run_in_executor(None, work)
        """,
        """\
        import contextvars


        async def go(loop, tracer):
            with tracer.start_as_current_span("s"):
                await loop.run_in_executor(None, contextvars.copy_context().run, work)
        """,
    ),
    rewrite(
        "module-docstring-stays-first",
        '''\
        """Reports."""


        def go(loop, tracer):
            with tracer.start_as_current_span("s"):
                loop.run_in_executor(None, work)
        ''',
        '''\
        """Reports."""

        import contextvars


        def go(loop, tracer):
            with tracer.start_as_current_span("s"):
                loop.run_in_executor(None, contextvars.copy_context().run, work)
        ''',
    ),
    rewrite(
        "future-import-stays-first",
        '''\
        """Reports."""

        from __future__ import annotations


        def go(loop, tracer):
            with tracer.start_as_current_span("s"):
                loop.run_in_executor(None, work)
        ''',
        '''\
        """Reports."""

        from __future__ import annotations

        import contextvars


        def go(loop, tracer):
            with tracer.start_as_current_span("s"):
                loop.run_in_executor(None, contextvars.copy_context().run, work)
        ''',
    ),
    rewrite(
        "module-without-opentelemetry-gets-its-stdlib-import-after-the-future-import",
        '''\
        """Reports."""

        from __future__ import annotations


        async def go(loop, tracer):
            with tracer.start_as_current_span("s"):
                await loop.run_in_executor(None, _w)


        def _w():
            print("x")
        ''',
        '''\
        """Reports."""

        from __future__ import annotations

        import contextvars


        async def go(loop, tracer):
            with tracer.start_as_current_span("s"):
                await loop.run_in_executor(None, contextvars.copy_context().run, _w)


        def _w():
            print("x")
        ''',
    ),
    rewrite(
        "comment-above-an-import-stays-with-it",
        """\
        # Copyright header.
        from __future__ import annotations

        # third party
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(loop, x):
            with tracer.start_as_current_span("s"):
                return loop.run_in_executor(None, w, x)
        """,
        """\
        # Copyright header.
        from __future__ import annotations

        import contextvars

        # third party
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(loop, x):
            with tracer.start_as_current_span("s"):
                return loop.run_in_executor(None, contextvars.copy_context().run, w, x)
        """,
    ),
    rewrite(
        "module-alias-named-ctx-is-not-shadowed-by-the-new-parameter",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as ctx
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return pool.submit(w, x).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as ctx
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, x):
            def w(ctx_2, x):
                token = ctx.attach(ctx_2)
                try:
                    return x
                finally:
                    ctx.detach(token)

            with tracer.start_as_current_span("s"):
                return pool.submit(w, ctx.get_current(), x).result()
        """,
    ),
]


TOKENS = [
    rewrite(
        "discarded-token-is-kept-and-detached-in-finally",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            otel_context.attach(ctx)
            do_work()
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
            finally:
                otel_context.detach(token)
        """,
    ),
    rewrite(
        "token-assigned-to-underscore-gets-a-name",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            _ = otel_context.attach(ctx)
            do_work()
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
            finally:
                otel_context.detach(token)
        """,
    ),
    rewrite(
        "detach-after-the-work-moves-into-finally",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            do_work()
            otel_context.detach(token)
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
            finally:
                otel_context.detach(token)
        """,
    ),
    rewrite(
        "statements-after-the-detach-stay-after-the-try",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            do_work()
            more()
            otel_context.detach(token)
            log("done")
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
                more()
            finally:
                otel_context.detach(token)
            log("done")
        """,
    ),
    # Only the work between attach and detach is covered.
    rewrite(
        "detach-before-return-leaves-the-return-outside",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            result = compute()
            otel_context.detach(token)
            return result
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                result = compute()
            finally:
                otel_context.detach(token)
            return result
        """,
    ),
    # On success the context leaked; now it is restored on every path.
    rewrite(
        "detach-only-in-an-except-that-reraises-moves-to-finally",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
            except ValueError:
                log()
                otel_context.detach(token)
                raise
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
            except ValueError:
                log()
                raise
            finally:
                otel_context.detach(token)
        """,
    ),
    rewrite(
        "broad-except-that-only-detaches-and-reraises-is-dropped",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
            except Exception:
                otel_context.detach(token)
                raise
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
            finally:
                otel_context.detach(token)
        """,
    ),
    rewrite(
        "detach-in-except-and-after-the-try-becomes-one-finally",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
            except Exception:
                otel_context.detach(token)
                raise
            otel_context.detach(token)
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
            finally:
                otel_context.detach(token)
        """,
    ),
    rewrite(
        "try-that-starts-after-work-takes-that-work-in",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx, items):
            token = otel_context.attach(ctx)
            for item in items:
                prepare(item)
            try:
                do_work()
            finally:
                otel_context.detach(token)
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx, items):
            token = otel_context.attach(ctx)
            try:
                for item in items:
                    prepare(item)
                do_work()
            finally:
                otel_context.detach(token)
        """,
    ),
    rewrite(
        "no-detach-at-all-gets-a-finally-that-covers-the-return",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            do_work()
            return 1
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
                return 1
            finally:
                otel_context.detach(token)
        """,
    ),
    rewrite(
        "return-of-a-call-is-covered",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            return compute()
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                return compute()
            finally:
                otel_context.detach(token)
        """,
    ),
    # At module level the attach covers the rest of the if block.
    rewrite(
        "module-level-attach-under-main-guard",
        """\
        from opentelemetry import context as otel_context

        if __name__ == "__main__":
            otel_context.attach(otel_context.get_current())
            main()
        """,
        """\
        from opentelemetry import context as otel_context

        if __name__ == "__main__":
            token = otel_context.attach(otel_context.get_current())
            try:
                main()
            finally:
                otel_context.detach(token)
        """,
    ),
    rewrite(
        "async-function",
        """\
        from opentelemetry import context as otel_context


        async def worker(ctx):
            token = otel_context.attach(ctx)
            await do_work()
            otel_context.detach(token)
        """,
        """\
        from opentelemetry import context as otel_context


        async def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                await do_work()
            finally:
                otel_context.detach(token)
        """,
    ),
    # Each iteration's attach gets its own finally.
    rewrite(
        "attach-in-a-loop-is-guarded-per-iteration",
        """\
        from opentelemetry import context as otel_context


        def worker(ctxs):
            for ctx in ctxs:
                token = otel_context.attach(ctx)
                do_work()
                otel_context.detach(token)
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctxs):
            for ctx in ctxs:
                token = otel_context.attach(ctx)
                try:
                    do_work()
                finally:
                    otel_context.detach(token)
        """,
    ),
    rewrite(
        "attach-in-a-with-block-is-guarded-inside-it",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx, lock):
            with lock:
                otel_context.attach(ctx)
                do_work()
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx, lock):
            with lock:
                token = otel_context.attach(ctx)
                try:
                    do_work()
                finally:
                    otel_context.detach(token)
        """,
    ),
    rewrite(
        "detach-is-imported-next-to-attach",
        """\
        from opentelemetry.context import attach


        def worker(ctx):
            attach(ctx)
            do_work()
        """,
        """\
        from opentelemetry.context import attach, detach


        def worker(ctx):
            token = attach(ctx)
            try:
                do_work()
            finally:
                detach(token)
        """,
    ),
    rewrite(
        "two-attach-detach-pairs-with-one-token-name-get-one-finally-each",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            do_work()
            otel_context.detach(token)
            token = otel_context.attach(ctx)
            do_more()
            otel_context.detach(token)
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
            finally:
                otel_context.detach(token)
            token = otel_context.attach(ctx)
            try:
                do_more()
            finally:
                otel_context.detach(token)
        """,
    ),
]


SPANS = [
    # `with start_span(...) as s` only ends the span; use_span makes it current and still ends it.
    rewrite(
        "with-start-span-becomes-use-span-ending-on-exit",
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            with tracer.start_span("req") as s:
                s.set_attribute("k", 1)
                with tracer.start_as_current_span("db"):
                    query()
        """,
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            with trace.use_span(tracer.start_span("req"), end_on_exit=True) as s:
                s.set_attribute("k", 1)
                with tracer.start_as_current_span("db"):
                    query()
        """,
    ),
    rewrite(
        "with-start-span-without-as",
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            with tracer.start_span("req"):
                with tracer.start_as_current_span("db"):
                    query()
        """,
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            with trace.use_span(tracer.start_span("req"), end_on_exit=True):
                with tracer.start_as_current_span("db"):
                    query()
        """,
    ),
    rewrite(
        "assigned-span-is-current-until-its-end",
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            s = tracer.start_span("req")
            with tracer.start_as_current_span("db"):
                query()
            s.end()
            log()
        """,
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            s = tracer.start_span("req")
            with trace.use_span(s, end_on_exit=False):
                with tracer.start_as_current_span("db"):
                    query()
            s.end()
            log()
        """,
    ),
    rewrite(
        "end-in-try-finally-is-wrapped-with-its-try",
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            s = tracer.start_span("req")
            try:
                with tracer.start_as_current_span("db"):
                    query()
            finally:
                s.end()
            log()
        """,
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            s = tracer.start_span("req")
            with trace.use_span(s, end_on_exit=False):
                try:
                    with tracer.start_as_current_span("db"):
                        query()
                finally:
                    s.end()
            log()
        """,
    ),
    rewrite(
        "never-ended-span-is-current-to-the-end-of-its-block",
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            s = tracer.start_span("req")
            with tracer.start_as_current_span("db"):
                query()
            log()
        """,
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            s = tracer.start_span("req")
            with trace.use_span(s, end_on_exit=False):
                with tracer.start_as_current_span("db"):
                    query()
                log()
        """,
    ),
    # The end is conditional: the span stays current through the if, and still ends where it did.
    rewrite(
        "end-in-an-if-of-the-same-block-is-wrapped-with-the-if",
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(flag):
            s = tracer.start_span("req")
            with tracer.start_as_current_span("db"):
                query()
            if flag:
                s.end()
        """,
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(flag):
            s = tracer.start_span("req")
            with trace.use_span(s, end_on_exit=False):
                with tracer.start_as_current_span("db"):
                    query()
                if flag:
                    s.end()
        """,
    ),
]


CAPTURES = [
    rewrite(
        "capture-moves-to-the-top-of-the-with-block",
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor):
            ctx = contextvars.copy_context()
            with tracer.start_as_current_span("s"):
                pool.submit(ctx.run, work).result()
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor):
            with tracer.start_as_current_span("s"):
                ctx = contextvars.copy_context()
                pool.submit(ctx.run, work).result()
        """,
    ),
    rewrite(
        "blank-lines-above-the-capture-stay-where-they-were",
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor):
            prepare()

            ctx = contextvars.copy_context()
            log()
            with tracer.start_as_current_span("s"):
                pool.submit(ctx.run, work).result()
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor):
            prepare()

            log()
            with tracer.start_as_current_span("s"):
                ctx = contextvars.copy_context()
                pool.submit(ctx.run, work).result()
        """,
    ),
    rewrite(
        "comment-above-the-capture-moves-with-it",
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor):
            # snapshot for the worker
            ctx = contextvars.copy_context()
            with tracer.start_as_current_span("s"):
                # hand it over
                pool.submit(ctx.run, work).result()
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor):
            with tracer.start_as_current_span("s"):
                # snapshot for the worker
                ctx = contextvars.copy_context()
                # hand it over
                pool.submit(ctx.run, work).result()
        """,
    ),
    rewrite(
        "get-current-capture-moves-too",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def _w(ctx):
            token = otel_context.attach(ctx)
            try:
                work()
            finally:
                otel_context.detach(token)


        def handle(pool: ThreadPoolExecutor):
            ctx = otel_context.get_current()
            with tracer.start_as_current_span("s"):
                pool.submit(_w, ctx).result()
        """,
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def _w(ctx):
            token = otel_context.attach(ctx)
            try:
                work()
            finally:
                otel_context.detach(token)


        def handle(pool: ThreadPoolExecutor):
            with tracer.start_as_current_span("s"):
                ctx = otel_context.get_current()
                pool.submit(_w, ctx).result()
        """,
    ),
]


WORKER_COPIES = [
    # The lambda stays, so `x` is still read when the worker runs.
    rewrite(
        "submit-lambda-copies-at-the-call-site",
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                pool.submit(lambda: contextvars.copy_context().run(work, x))
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                pool.submit(contextvars.copy_context().run, lambda: work(x))
        """,
    ),
    # `lambda: work()` where `work` alone would do: the rewrite keeps the lambda in every case.
    rewrite(
        "submit-lambda-without-arguments",
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor):
            with tracer.start_as_current_span("s"):
                pool.submit(lambda: contextvars.copy_context().run(work))
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor):
            with tracer.start_as_current_span("s"):
                pool.submit(contextvars.copy_context().run, lambda: work())
        """,
    ),
    rewrite(
        "submit-lambda-with-a-parameter-keeps-the-submitted-argument",
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                pool.submit(lambda y: contextvars.copy_context().run(work, y), x)
        """,
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                pool.submit(contextvars.copy_context().run, lambda y: work(y), x)
        """,
    ),
    rewrite(
        "run-in-executor-lambda-copies-at-the-call-site",
        """\
        import asyncio
        import contextvars

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        async def handle(x):
            with tracer.start_as_current_span("s"):
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, lambda: contextvars.copy_context().run(work, x))
        """,
        """\
        import asyncio
        import contextvars

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        async def handle(x):
            with tracer.start_as_current_span("s"):
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, contextvars.copy_context().run, lambda: work(x))
        """,
    ),
    rewrite(
        "thread-lambda-target-gets-a-partial",
        """\
        import contextvars
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(x):
            with tracer.start_as_current_span("s"):
                t = threading.Thread(target=lambda: contextvars.copy_context().run(f, x))
                t.start()
        """,
        """\
        import contextvars
        import functools
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(x):
            with tracer.start_as_current_span("s"):
                t = threading.Thread(target=functools.partial(contextvars.copy_context().run, lambda: f(x)))
                t.start()
        """,
    ),
    rewrite(
        "thread-lambda-with-args-keeps-them",
        """\
        import threading
        from contextvars import copy_context

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(x):
            with tracer.start_as_current_span("s"):
                t = threading.Thread(target=lambda y: copy_context().run(f, y), args=(x,))
                t.start()
        """,
        """\
        import functools
        import threading
        from contextvars import copy_context

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(x):
            with tracer.start_as_current_span("s"):
                t = threading.Thread(target=functools.partial(copy_context().run, lambda y: f(y)), args=(x,))
                t.start()
        """,
    ),
]


LAYOUT = [
    rewrite(
        "comments-in-the-worker-and-at-the-call-stay",
        """\
        import threading

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            # Flush the batch.
            def w(x):
                # first
                print(x)

                # second
                print(x + 1)  # trailing

            with tracer.start_as_current_span("s"):
                # start it
                threading.Thread(target=w, args=(x,)).start()  # fire and forget
        """,
        """\
        import threading

        from opentelemetry import context as otel_context
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(x):
            # Flush the batch.
            def w(ctx, x):
                token = otel_context.attach(ctx)
                try:
                    # first
                    print(x)

                    # second
                    print(x + 1)  # trailing
                finally:
                    otel_context.detach(token)

            with tracer.start_as_current_span("s"):
                # start it
                threading.Thread(target=w, args=(otel_context.get_current(), x)).start()  # fire and forget
        """,
    ),
    rewrite(
        "comments-and-blank-lines-around-attach-and-detach-stay",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)

            # the work
            do_work()

            # restore the caller's context
            otel_context.detach(token)

            return 1
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)

            try:
                # the work
                do_work()
            finally:
                # restore the caller's context
                otel_context.detach(token)

            return 1
        """,
    ),
    # A trailing comment stays on the attach line; the comment after the last statement stays last.
    rewrite(
        "comments-on-the-attach-line-and-after-the-work-stay",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            # adopt the caller's context
            otel_context.attach(ctx)  # adopt

            do_work()  # may raise
            # done
        """,
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            # adopt the caller's context
            token = otel_context.attach(ctx)  # adopt

            try:
                do_work()  # may raise
            finally:
                otel_context.detach(token)
            # done
        """,
    ),
    rewrite(
        "comments-around-the-span-stay",
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            s = tracer.start_span("req")  # the parent

            # children
            with tracer.start_as_current_span("db"):
                query()
            # done
            s.end()
        """,
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            s = tracer.start_span("req")  # the parent

            with trace.use_span(s, end_on_exit=False):
                # children
                with tracer.start_as_current_span("db"):
                    query()
            # done
            s.end()
        """,
    ),
    rewrite(
        "noqa-for-another-code-does-not-suppress",
        """\
        import asyncio

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        async def go(loop):
            with tracer.start_as_current_span("s"):
                await loop.run_in_executor(None, w)  # noqa: E501
        """,
        """\
        import asyncio
        import contextvars

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        async def go(loop):
            with tracer.start_as_current_span("s"):
                await loop.run_in_executor(None, contextvars.copy_context().run, w)  # noqa: E501
        """,
    ),
]


def _check_rewrite(before: str, after: str, options: FixOptions) -> None:
    result = fix_source(before, options)
    assert result.source == after
    assert result.fixed and not result.declined
    again = fix_source(after, options)
    assert again.source == after
    assert not again.fixed and not again.declined
    compile(after, "<after>", "exec")
    if isort.check_code(before, quiet=True):
        assert isort.check_code(after, quiet=True), "the added import left the file isort-unclean"


@pytest.mark.parametrize(("before", "after", "options"), BOUNDARIES)
def test_boundaries_give_the_worker_the_callers_context(before: str, after: str, options: FixOptions) -> None:
    """OTC101/102/103: the attach form for a nested worker used only at boundaries, the call-site copy for
    any other (a module-level one, even private, keeps its signature), in the call's own layout."""
    _check_rewrite(before, after, options)


@pytest.mark.parametrize(("before", "after", "options"), IMPORTS)
def test_rewrites_spell_names_the_way_the_file_imports_them(
    before: str, after: str, options: FixOptions
) -> None:
    """The file's own imports are reused; a missing one is added once, where isort would put it, under
    a name the file does not already use."""
    _check_rewrite(before, after, options)


@pytest.mark.parametrize(("before", "after", "options"), TOKENS)
def test_attach_tokens_are_detached_in_a_finally(before: str, after: str, options: FixOptions) -> None:
    """OTC301/302: the token is kept and detached in a finally covering exactly the work after attach."""
    _check_rewrite(before, after, options)


@pytest.mark.parametrize(("before", "after", "options"), SPANS)
def test_started_spans_are_made_current_until_they_end(before: str, after: str, options: FixOptions) -> None:
    """OTC201: trace.use_span around the span's lifetime; the span still ends where it did."""
    _check_rewrite(before, after, options)


@pytest.mark.parametrize(("before", "after", "options"), CAPTURES)
def test_context_snapshots_are_taken_inside_the_span(before: str, after: str, options: FixOptions) -> None:
    """OTC401: the capture moves to the top of the span's with block, taking its comments along."""
    _check_rewrite(before, after, options)


@pytest.mark.parametrize(("before", "after", "options"), WORKER_COPIES)
def test_context_copies_are_made_at_the_call_site(before: str, after: str, options: FixOptions) -> None:
    """OTC403: copy_context() leaves the lambda, which then only calls the worker."""
    _check_rewrite(before, after, options)


@pytest.mark.parametrize(("before", "after", "options"), LAYOUT)
def test_rewrites_keep_comments_and_blank_lines(before: str, after: str, options: FixOptions) -> None:
    """Comments and blank lines stay with the code they describe; a noqa for other codes is not ours."""
    _check_rewrite(before, after, options)


def decline(name: str, code: str, word: str, source: str, *, style: str = "auto") -> object:
    return pytest.param(dedent(source), code, word, FixOptions(style=style), id=name)


DECLINES = [
    # A map of a worker that others may call: one copy_context() cannot be entered by every item.
    decline(
        "map-with-a-public-worker",
        "OTC102",
        "map",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def w(x):
            return x


        def go(pool: ThreadPoolExecutor, xs):
            with tracer.start_as_current_span("s"):
                return list(pool.map(w, xs))
        """,
    ),
    # Private or not, a module-level worker keeps its signature, so a map of it is declined too.
    decline(
        "map-with-a-private-module-level-worker",
        "OTC102",
        "map",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def _w(x):
            return x


        def go(pool: ThreadPoolExecutor, xs):
            with tracer.start_as_current_span("s"):
                return list(pool.map(_w, xs))
        """,
    ),
    # A nested worker would get the context repeated for every item; this style never changes a worker.
    decline(
        "map-under-the-copy-context-style",
        "OTC102",
        "map",
        """\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor, xs):
            def w(x):
                return x

            with tracer.start_as_current_span("s"):
                return list(pool.map(w, xs))
        """,
        style="copy-context",
    ),
    decline(
        "token-returned-to-the-caller",
        "OTC302",
        "caller",
        """\
        from opentelemetry import context as otel_context


        def activate(ctx):
            return otel_context.attach(ctx)
        """,
    ),
    decline(
        "token-stored-on-self",
        "OTC302",
        "stored",
        """\
        from opentelemetry import context as otel_context


        class Job:
            def start(self, ctx):
                self._token = otel_context.attach(ctx)
                self.run()

            def stop(self):
                otel_context.detach(self._token)
        """,
    ),
    decline(
        "token-appended-to-a-list",
        "OTC302",
        "stored",
        """\
        from opentelemetry import context as otel_context

        TOKENS = []


        def start(ctx):
            TOKENS.append(otel_context.attach(ctx))
            run()
        """,
    ),
    # The work the attach covers is after the if: which part of it the finally should cover is a guess.
    decline(
        "attach-is-the-last-statement-of-an-if-block",
        "OTC302",
        "nothing follows",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx, flag):
            if flag:
                token = otel_context.attach(ctx)
            do_work()
        """,
    ),
    decline(
        "detach-nested-in-an-if",
        "OTC302",
        "nested",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx, flag):
            token = otel_context.attach(ctx)
            do_work()
            if flag:
                otel_context.detach(token)
        """,
    ),
    decline(
        "detach-in-an-except-that-swallows-the-error",
        "OTC302",
        "re-raise",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            try:
                do_work()
            except Exception:
                otel_context.detach(token)
        """,
    ),
    # Moving prepare() into that try would let its errors reach the except clause.
    decline(
        "work-before-a-try-with-except-clauses",
        "OTC302",
        "except clauses",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            with lock:
                prepare()
            try:
                do_work()
            except ValueError:
                log()
            finally:
                otel_context.detach(token)
        """,
    ),
    decline(
        "only-a-return-follows-attach",
        "OTC302",
        "outlive",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx)
            return ctx
        """,
    ),
    decline(
        "attach-shares-its-line",
        "OTC302",
        "shares its line",
        """\
        from opentelemetry import context as otel_context


        def worker(ctx):
            token = otel_context.attach(ctx); do_work()
            otel_context.detach(token)
        """,
    ),
    decline(
        "span-ended-in-the-finally-of-an-enclosing-try",
        "OTC201",
        "outside the block",
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle():
            try:
                s = tracer.start_span("req")
                with tracer.start_as_current_span("db"):
                    query()
            finally:
                s.end()
        """,
    ),
    decline(
        "span-ended-after-the-if-that-starts-it",
        "OTC201",
        "outside the block",
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(flag):
            if flag:
                s = tracer.start_span("req")
                with tracer.start_as_current_span("db"):
                    query()
            s.end()
        """,
    ),
    # Moving the capture into the with block would leave ctx unbound (or different) at line 13.
    decline(
        "capture-also-used-after-the-with",
        "OTC401",
        "also used",
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor):
            ctx = contextvars.copy_context()
            with tracer.start_as_current_span("s"):
                pool.submit(ctx.run, work).result()
            ctx.run(cleanup)
        """,
    ),
    decline(
        "capture-assigned-twice",
        "OTC401",
        "more than once",
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor, again):
            ctx = contextvars.copy_context()
            if again:
                ctx = contextvars.copy_context()
            with tracer.start_as_current_span("s"):
                pool.submit(ctx.run, work).result()
        """,
    ),
    decline(
        "copy-in-a-map-lambda",
        "OTC403",
        "map",
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor, xs):
            with tracer.start_as_current_span("s"):
                return list(pool.map(lambda x: contextvars.copy_context().run(work, x), xs))
        """,
    ),
    # An executor handed in by the caller may be a ProcessPoolExecutor: neither a contextvars.Context
    # nor an OpenTelemetry Context can be pickled to its worker process.
    decline(
        "run-in-executor-on-an-executor-of-unknown-kind",
        "OTC101",
        "process pool",
        """\
        import asyncio

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        async def handle(executor, x):
            with tracer.start_as_current_span("s"):
                def work():
                    return x
                return await asyncio.get_running_loop().run_in_executor(executor, work)
        """,
    ),
    decline(
        "run-in-executor-on-a-factory-s-executor",
        "OTC101",
        "process pool",
        """\
        import asyncio

        from opentelemetry import trace

        from pools import make_executor

        tracer = trace.get_tracer(__name__)


        async def handle(x):
            with tracer.start_as_current_span("s"):
                return await asyncio.get_running_loop().run_in_executor(make_executor(), work, x)
        """,
    ),
    decline(
        "lambda-that-does-more-than-run-the-copy",
        "OTC403",
        "does more",
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ThreadPoolExecutor, x):
            with tracer.start_as_current_span("s"):
                pool.submit(lambda: log(contextvars.copy_context().run(work, x)))
        """,
    ),
]


@pytest.mark.parametrize(("source", "code", "word", "options"), DECLINES)
def test_unsafe_rewrites_are_declined_with_a_reason(
    source: str, code: str, word: str, options: FixOptions
) -> None:
    """Where no rewrite is safe the file is left as it is, and the reason says what to do by hand."""
    result = fix_source(source, options)
    assert result.source == source
    assert not result.fixed
    reasons = [d.reason for d in result.declined if d.finding.code == code]
    assert any(word in reason for reason in reasons), reasons


SUPPRESSED = [
    pytest.param(
        dedent(
            """\
            import asyncio

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            async def go():
                with tracer.start_as_current_span("s"):
                    await asyncio.get_running_loop().run_in_executor(None, work)  # noqa: OTC101
            """
        ),
        id="noqa-with-the-code",
    ),
    pytest.param(
        dedent(
            """\
            import asyncio

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            async def go():
                with tracer.start_as_current_span("s"):
                    await asyncio.get_running_loop().run_in_executor(None, work)  # noqa: OTC1
            """
        ),
        id="noqa-with-a-prefix-of-the-code",
    ),
    pytest.param(
        dedent(
            """\
            import threading

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def go():
                with tracer.start_as_current_span("s"):
                    threading.Thread(target=work).start()  # noqa
            """
        ),
        id="bare-noqa",
    ),
    pytest.param(
        dedent(
            """\
            import asyncio

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            async def go():
                with tracer.start_as_current_span("s"):
                    await asyncio.get_running_loop().run_in_executor(  # noqa: OTC101
                        None,
                        work,
                    )
            """
        ),
        id="noqa-on-the-first-line-of-a-multiline-call",
    ),
    pytest.param(
        dedent(
            """\
            # flake8: noqa
            import threading

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def go():
                with tracer.start_as_current_span("s"):
                    threading.Thread(target=work).start()
            """
        ),
        id="file-level-noqa",
    ),
]


@pytest.mark.parametrize("source", SUPPRESSED)
def test_noqa_leaves_the_code_unchanged(source: str) -> None:
    """flake8 would not report these, so the fixer must not touch them either."""
    result = fix_source(source)
    assert result.source == source
    assert not result.fixed and not result.declined


CRLF = [
    pytest.param(
        dedent(
            """\
            from concurrent.futures import ThreadPoolExecutor

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def go(pool: ThreadPoolExecutor, x):
                def w(x):
                    return x

                with tracer.start_as_current_span("s"):
                    return pool.submit(w, x).result()
            """
        ),
        dedent(
            """\
            from concurrent.futures import ThreadPoolExecutor

            from opentelemetry import context as otel_context
            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def go(pool: ThreadPoolExecutor, x):
                def w(ctx, x):
                    token = otel_context.attach(ctx)
                    try:
                        return x
                    finally:
                        otel_context.detach(token)

                with tracer.start_as_current_span("s"):
                    return pool.submit(w, otel_context.get_current(), x).result()
            """
        ),
        id="boundary-and-import",
    ),
    pytest.param(
        dedent(
            """\
            from opentelemetry import context as otel_context


            def worker(ctx):
                token = otel_context.attach(ctx)

                do_work()
                otel_context.detach(token)
            """
        ),
        dedent(
            """\
            from opentelemetry import context as otel_context


            def worker(ctx):
                token = otel_context.attach(ctx)

                try:
                    do_work()
                finally:
                    otel_context.detach(token)
            """
        ),
        id="token",
    ),
]


@pytest.mark.parametrize(("before", "after"), CRLF)
def test_crlf_source_stays_crlf(before: str, after: str) -> None:
    """Lines the fixer adds use the file's own line break, so a Windows file does not end up mixed."""
    before, after = before.replace("\n", "\r\n"), after.replace("\n", "\r\n")
    assert fix_source(before).source == after
    assert fix_source(after).source == after


# Programs whose rewrite is run: `go()` says whether the worker saw the caller's span.
RUNS = [
    pytest.param(
        dedent(
            """\
            from concurrent.futures import ThreadPoolExecutor

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def go():
                def w():
                    return trace.get_current_span()

                with tracer.start_as_current_span("s") as span:
                    with ThreadPoolExecutor() as pool:
                        return pool.submit(w).result() is span
            """
        ),
        id="nested-worker-attach-form",
    ),
    pytest.param(
        dedent(
            """\
            from concurrent.futures import ThreadPoolExecutor

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def w():
                return trace.get_current_span()


            def go():
                with tracer.start_as_current_span("s") as span:
                    with ThreadPoolExecutor() as pool:
                        return pool.submit(w).result() is span
            """
        ),
        id="public-worker-call-site-copy",
    ),
    pytest.param(
        dedent(
            """\
            import threading

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)
            seen = []


            def _w(i):
                seen.append(trace.get_current_span())


            def go():
                with tracer.start_as_current_span("s") as span:
                    t = threading.Thread(target=_w, args=(1,))
                    t.start()
                    t.join()
                return seen == [span]
            """
        ),
        id="private-module-level-thread-worker-call-site-copy",
    ),
    pytest.param(
        dedent(
            """\
            from concurrent.futures import ThreadPoolExecutor

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def go():
                def w(i):
                    return trace.get_current_span()

                with tracer.start_as_current_span("s") as span:
                    with ThreadPoolExecutor() as pool:
                        return all(s is span for s in pool.map(w, range(8)))
            """
        ),
        id="map-with-repeated-context",
    ),
    pytest.param(
        dedent(
            """\
            import threading

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)
            seen = []


            def go():
                def w(i):
                    seen.append(trace.get_current_span())

                with tracer.start_as_current_span("s") as span:
                    t = threading.Thread(target=w, args=(1,))
                    t.start()
                    t.join()
                return seen == [span]
            """
        ),
        id="thread-args",
    ),
    pytest.param(
        dedent(
            """\
            from concurrent.futures import ThreadPoolExecutor

            from opentelemetry import context, trace

            tracer = trace.get_tracer(__name__)


            def go():
                def w():
                    return trace.get_current_span()

                with tracer.start_as_current_span("s") as span:
                    with ThreadPoolExecutor() as pool:
                        return pool.submit(w).result() is span
            """
        ),
        id="file-alias-context",
    ),
    pytest.param(
        dedent(
            """\
            from concurrent.futures import ThreadPoolExecutor

            from opentelemetry import context as ctx
            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def go():
                def w():
                    return trace.get_current_span()

                with tracer.start_as_current_span("s") as span:
                    with ThreadPoolExecutor() as pool:
                        return pool.submit(w).result() is span
            """
        ),
        id="file-alias-ctx-vs-new-parameter-ctx",
    ),
    pytest.param(
        dedent(
            """\
            from concurrent.futures import ThreadPoolExecutor

            from opentelemetry import context, trace

            tracer = trace.get_tracer(__name__)


            def go(event=None, context=None):
                def w():
                    return trace.get_current_span()

                with tracer.start_as_current_span("s") as span:
                    with ThreadPoolExecutor() as pool:
                        return pool.submit(w).result() is span
            """
        ),
        id="file-alias-context-vs-a-parameter-named-context",
    ),
    pytest.param(
        dedent(
            """\
            from concurrent.futures import ThreadPoolExecutor

            from opentelemetry import context, trace

            tracer = trace.get_tracer(__name__)


            def go():
                def w():
                    context = trace.get_current_span()
                    return context

                with tracer.start_as_current_span("s") as span:
                    with ThreadPoolExecutor() as pool:
                        return pool.submit(w).result() is span
            """
        ),
        id="file-alias-context-vs-a-local-in-the-worker",
    ),
    pytest.param(
        dedent(
            """\
            import contextvars
            from concurrent.futures import ThreadPoolExecutor

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def w():
                return trace.get_current_span()


            def go(contextvars=None):
                with tracer.start_as_current_span("s") as span:
                    with ThreadPoolExecutor() as pool:
                        return pool.submit(w).result() is span
            """
        ),
        id="contextvars-vs-a-parameter-named-contextvars",
    ),
]


def _run(source: str) -> object:
    namespace: dict[str, object] = {"__name__": "rewritten"}
    exec(compile(source, "<program>", "exec"), namespace)
    namespace["tracer"] = TracerProvider().get_tracer("test")  # a real span, not the no-op singleton
    go = namespace["go"]
    assert callable(go)
    return go()


@pytest.mark.parametrize("before", RUNS)
def test_rewritten_programs_run_the_worker_in_the_callers_span(before: str) -> None:
    """Text that looks right is not enough: at run time the worker must see the caller's span, and no
    name the rewrite inserts may be shadowed where it lands."""
    assert _run(before) is False  # the program loses the span as written
    after = fix_source(before).source
    assert _run(after) is True


def test_a_worker_whose_body_is_only_a_docstring_does_not_crash_the_fixer() -> None:
    """A worker with nothing but a docstring has no statements to put in the try."""
    before = dedent(
        '''\
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def go(pool: ThreadPoolExecutor):
            def w():
                """Nothing to do yet."""

            with tracer.start_as_current_span("s"):
                return pool.submit(w).result()
        '''
    )
    after = fix_source(before).source
    compile(after, "<after>", "exec")
    assert fix_source(after).source == after
