"""The runtime facts the rules rely on, as qualified names.

Every entry here is a claim about what an API does with the current context; the fixtures in
``fixtures/`` run each claim under the SDK (see ``docs/context-semantics`` in the README).
"""

from __future__ import annotations

# Canonical spellings: the public name each private or re-exported path stands for.
CANONICAL = {
    "concurrent.futures.thread.ThreadPoolExecutor": "concurrent.futures.ThreadPoolExecutor",
    "concurrent.futures.process.ProcessPoolExecutor": "concurrent.futures.ProcessPoolExecutor",
    "concurrent.futures._base.Executor": "concurrent.futures.Executor",
    "multiprocessing.pool.Pool": "multiprocessing.Pool",
    "multiprocessing.dummy.Pool": "multiprocessing.pool.ThreadPool",
    "asyncio.tasks.create_task": "asyncio.create_task",
    "asyncio.tasks.ensure_future": "asyncio.ensure_future",
    "asyncio.tasks.gather": "asyncio.gather",
    "asyncio.threads.to_thread": "asyncio.to_thread",
    "asyncio.taskgroups.TaskGroup": "asyncio.TaskGroup",
    "opentelemetry.trace.propagation.set_span_in_context": "opentelemetry.trace.set_span_in_context",
    "opentelemetry.trace.propagation.get_current_span": "opentelemetry.trace.get_current_span",
    "opentelemetry.propagate.inject": "opentelemetry.propagate.inject",
}

# Pools whose workers are threads: the caller's contextvars do not follow the work.
THREAD_POOLS = frozenset(
    {"concurrent.futures.ThreadPoolExecutor", "multiprocessing.pool.ThreadPool"}
)
# Annotations that promise an executor without saying which kind; treated as a thread pool, the
# common case, since a process pool is almost always constructed (and so seen) where it is used.
EXECUTOR_TYPES = frozenset({"concurrent.futures.Executor"})
PROCESS_POOLS = frozenset(
    {"concurrent.futures.ProcessPoolExecutor", "multiprocessing.Pool"}
)
EXECUTOR_METHODS = frozenset({"submit", "map"})
MP_POOL_METHODS = frozenset(
    {"apply", "apply_async", "map", "map_async", "imap", "imap_unordered", "starmap", "starmap_async"}
)
# Methods that only release something; a worker that just calls one starts no span.
TEARDOWN_METHODS = frozenset(
    {"close", "aclose", "shutdown", "stop", "join", "cancel", "disconnect", "terminate", "kill"}
)
THREAD_CLASSES = frozenset({"threading.Thread", "threading.Timer"})
PROCESS_CLASSES = frozenset({"multiprocessing.Process"})
MP_GET_CONTEXT = "multiprocessing.get_context"

COPY_CONTEXT = "contextvars.copy_context"
PARTIAL = "functools.partial"
REPEAT = "itertools.repeat"

OTEL_ATTACH = "opentelemetry.context.attach"
OTEL_DETACH = "opentelemetry.context.detach"
OTEL_GET_CURRENT = "opentelemetry.context.get_current"
OTEL_SET_VALUE = "opentelemetry.context.set_value"
OTEL_GET_VALUE = "opentelemetry.context.get_value"
OTEL_CONTEXT_TYPE = "opentelemetry.context.Context"

SET_SPAN_IN_CONTEXT = "opentelemetry.trace.set_span_in_context"
USE_SPAN = "opentelemetry.trace.use_span"
INJECT = "opentelemetry.propagate.inject"
EXTRACT = "opentelemetry.propagate.extract"
# Calls that return an OpenTelemetry Context meant to be attached on the other side of a boundary.
OTEL_CONTEXT_PRODUCERS = frozenset(
    {
        OTEL_GET_CURRENT,
        SET_SPAN_IN_CONTEXT,
        EXTRACT,
        OTEL_SET_VALUE,
        "opentelemetry.baggage.set_baggage",
    }
)
# Calls that capture "the current context" at the moment they run.
CONTEXT_CAPTURES = frozenset({OTEL_GET_CURRENT, COPY_CONTEXT})

# asyncio boundaries: they copy the current context when called (measured), so they are only wrong
# when the wrong context is current at that moment.
TASK_FACTORIES = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
TASK_METHODS = frozenset({"create_task"})  # loop.create_task, TaskGroup.create_task
GATHER = "asyncio.gather"
TO_THREAD = "asyncio.to_thread"
TASK_GROUP = "asyncio.TaskGroup"
CALLBACK_METHODS = frozenset({"call_soon", "call_soon_threadsafe", "call_later", "call_at"})

# Decorators that turn a generator into something whose yield is the body of a ``with`` block,
# so holding a span across the yield is the point.
GENERATOR_CONTEXT_MANAGERS = frozenset(
    {
        "contextlib.contextmanager",
        "contextlib.asynccontextmanager",
        "pytest.fixture",
        "pytest_asyncio.fixture",
    }
)

THREADING_INSTRUMENTOR = "ThreadingInstrumentor"
# The `--otc-propagating` entry that declares threads and thread pools instrumented project-wide.
INSTRUMENTED_THREADING = "threading"


def names_a_detach(name: str) -> bool:
    """``detach``, or a wrapper whose name says it detaches (``_safe_detach``, ``detach_quietly``):
    wrapping ``detach`` to silence its error log is a common idiom."""
    return "detach" in name.lower()
