"""What the project model knows about code outside the project: data, with where it comes from.

A lost context matters only when the worker makes spans, and a boundary only loses a span when one
is current at the call. Both often depend on third-party code the model cannot read: which libraries
are instrumented, which decorators open spans, which framework entry points run inside a server span.
"""

from __future__ import annotations

# Top-level modules (or dotted prefixes) with an OpenTelemetry instrumentation, so a call into them
# from a worker makes spans once the service is instrumented. Sources: the opentelemetry-python-contrib
# `instrumentation/` directory (HTTP, databases, caches, queues, cloud SDKs, RPC), openinference's and
# OpenLLMetry's (traceloop) instrumentations of LLM clients, vector stores and agent frameworks, and
# the libraries that open OpenTelemetry spans themselves (elasticsearch, google-cloud clients).
INSTRUMENTED_LIBRARIES = frozenset(
    {
        # HTTP and RPC clients (contrib)
        "requests", "httpx", "urllib3", "aiohttp", "grpc", "tornado.httpclient",
        # urllib's instrumentation wraps ``OpenerDirector.open``: the rest of ``urllib.request``
        # (``pathname2url``, ``Request``) makes no request
        "urllib.request.urlopen", "urllib.request.build_opener", "urllib.request.OpenerDirector",
        # databases, caches and queues (contrib)
        "psycopg", "psycopg2", "asyncpg", "aiopg", "pymysql", "MySQLdb", "mysql.connector",
        "sqlite3", "sqlalchemy", "pymongo", "motor", "redis", "pymemcache", "cassandra",
        "elasticsearch", "opensearchpy", "kafka", "confluent_kafka", "aiokafka", "pika", "aio_pika",
        "celery", "tortoise", "pymssql", "boto", "boto3", "botocore", "aiobotocore",
        # cloud and search SDKs that open spans themselves
        "google.cloud", "azure",
        # LLM clients and AI frameworks (openinference, OpenLLMetry)
        "openai", "anthropic", "cohere", "mistralai", "groq", "ollama", "together", "replicate",
        "google.generativeai", "google.genai", "vertexai", "litellm", "langchain", "langchain_core",
        "langchain_community", "langgraph", "llama_index", "haystack", "dspy", "crewai", "smolagents",
        "agno", "autogen", "autogen_agentchat", "mcp", "instructor", "bedrock",
        # transformers: only its pipelines (OpenLLMetry wraps TextGenerationPipeline.__call__)
        "transformers.pipeline", "transformers.pipelines",
        "chromadb", "pinecone", "qdrant_client", "weaviate", "pymilvus", "lancedb", "marqo",
    }
)  # fmt: skip

# Decorators that run the decorated function inside a span: OpenTelemetry's own, and the span helpers
# of widely used tracing libraries (logfire, langfuse, mlflow, traceloop, openinference, ddtrace,
# sentry). Matched on the qualified name the decorator resolves to.
SPAN_DECORATORS = frozenset(
    {
        "logfire.instrument", "langfuse.observe", "langfuse.decorators.observe",
        "langfuse.decorators.langfuse_decorator.observe", "mlflow.trace", "mlflow.tracing.trace",
        "traceloop.sdk.decorators.workflow", "traceloop.sdk.decorators.task",
        "traceloop.sdk.decorators.agent", "traceloop.sdk.decorators.tool",
        "traceloop.sdk.decorators.aworkflow", "traceloop.sdk.decorators.atask",
        "ddtrace.tracer.wrap", "sentry_sdk.trace", "weave.op", "opik.track", "agentops.record_action",
    }
)  # fmt: skip
# Tracer methods that, used as a decorator or ``with`` on a tracer, open a span (OpenTelemetry and
# openinference's OITracer helpers).
SPAN_METHODS = frozenset({"start_as_current_span", "_start_as_current_span"})

# Decorators whose function a framework instrumentation runs inside a server or consumer span: web
# routes (FastAPI, Starlette, Flask, Quart, Sanic, aiohttp's RouteTableDef, Litestar), task queues
# (Celery, Dramatiq, RQ, Huey, Taskiq) and message consumers (FastStream). Matched on the decorator's
# last name; a route decorator must be called with its path.
ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "route", "api_route", "websocket"}
)
TASK_DECORATORS = frozenset({"task", "shared_task", "actor", "job", "periodic_task", "subscriber"})
# Base classes whose methods a server instrumentation runs inside a request span: gRPC servicers
# (matched on the name's end), Django class-based views, Tornado handlers.
HANDLER_BASE_SUFFIXES = ("Servicer", "View", "APIView", "ViewSet", "RequestHandler", "Consumer")

# Method names that, called on an object of unknown type, never make a span: containers, strings,
# files, synchronisation, logging, queues and futures. Anything else unknown is assumed to be able to.
UNTRACED_METHODS = frozenset(
    {
        "append", "extend", "insert", "pop", "popleft", "appendleft", "remove", "clear", "update",
        "add", "discard", "setdefault", "keys", "values", "items", "copy", "sort", "reverse", "index",
        "count", "format", "join", "split", "rsplit", "strip", "lstrip", "rstrip", "replace", "lower",
        "upper", "startswith", "endswith", "encode", "decode", "splitlines", "partition",
        "read", "readline", "readlines", "write", "writelines", "flush", "seek", "tell", "close",
        "acquire", "release", "wait", "notify", "notify_all", "is_set", "set", "locked",
        "put", "put_nowait", "get_nowait", "task_done", "qsize", "empty", "full",
        "debug", "info", "warning", "warn", "error", "exception", "critical", "log",
        "result", "done", "cancel", "cancelled", "add_done_callback", "set_result", "set_exception",
        "is_alive", "start", "sleep", "time", "monotonic", "perf_counter", "poll", "communicate",
        "dumps", "loads", "dump", "load", "match", "search", "fullmatch", "sub", "findall",
        "group", "groups", "hexdigest", "digest", "isoformat", "total_seconds", "tolist",
        "model_dump", "dict", "json", "to_dict", "shutdown", "stop", "terminate", "kill",
    }
)  # fmt: skip


# Of those, the methods that read or convert data an object already holds (strings, models,
# responses): never a request, even on an object of an instrumented library (an OpenAI response's
# ``model_dump()``, a ``requests.Response``'s header ``lower()``), unlike ``get`` or ``set`` on a
# client. Names a client also uses for requests stay out (Elasticsearch's ``index`` and ``count``,
# Redis's ``keys`` and ``copy``, pymemcache's ``replace``).
DATA_METHODS = frozenset(
    {
        "format", "join", "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper",
        "startswith", "endswith", "encode", "decode", "splitlines", "partition", "items",
        "hexdigest", "isoformat", "total_seconds", "tolist", "model_dump", "dict", "to_dict", "json",
    }
)  # fmt: skip


def instrumented(qualified: str) -> bool:
    """``qualified`` names something in a library whose calls make spans once instrumented."""
    return any(qualified == name or qualified.startswith(name + ".") for name in INSTRUMENTED_LIBRARIES)


# Methods that an instrumentation package wraps in a span and makes current: whatever they call runs
# inside it. Keyed by the project's top-level package; each entry is ``Class.method`` (it also matches
# the same method of a subclass) or ``function``. (openinference's haystack instrumentation also
# wraps every component's ``run``; reading those as spans cost more precision than it gained recall
# on the labelled corpus, since many components only compute.) Read from the instrumentations' own source (the
# version in brackets), since the project under analysis never shows them.
INSTRUMENTED_ENTRY_POINTS: dict[str, tuple[str, frozenset[str]]] = {
    "smolagents": (
        "openinference-instrumentation-smolagents (0.1.20)",
        frozenset(
            {
                "MultiStepAgent.run",
                "CodeAgent._step_stream",
                "ToolCallingAgent._step_stream",
                "Tool.__call__",
            }
        ),
    ),
    "agno": (
        "openinference-instrumentation-agno (0.1.24)",
        frozenset(
            {
                "Agent._run",
                "Agent._run_stream",
                "Agent._arun",
                "Agent._arun_stream",
                "Team._run",
                "Team._run_stream",
                "Team._arun",
                "Team._arun_stream",
                "FunctionCall.execute",
                "FunctionCall.aexecute",
                "Model.invoke",
                "Model.ainvoke",
                "Model.invoke_stream",
                "Model.ainvoke_stream",
                "Parallel.execute",
                "Parallel.execute_stream",
                "Workflow.run",
            }
        ),
    ),
    "haystack": (
        "openinference-instrumentation-haystack (0.1.46)",
        frozenset(
            {
                "Pipeline.run",
                "AsyncPipeline.run",
                "AsyncPipeline.run_async",
                "AsyncPipeline.run_async_generator",
                "Pipeline._run_component",
                "AsyncPipeline._run_component_async",
            }
        ),
    ),
    "dspy": (
        "openinference-instrumentation-dspy (0.1.48)",
        frozenset(
            {
                "LM.__call__",
                "LM.acall",
                "Predict.forward",
                "Predict.aforward",
                "Retrieve.forward",
                "Module.__call__",
                "Module.acall",
                "Adapter.__call__",
                "Adapter.acall",
                "Tool.__call__",
                "Tool.acall",
            }
        ),
    ),
    "crewai": (
        "openinference-instrumentation-crewai (1.1.21)",
        frozenset(
            {
                "Task._execute_core",
                "Crew.kickoff",
                "Flow.kickoff",
                "Flow.kickoff_async",
                "Flow._execute_method",
                "Agent.kickoff",
                "BaseTool.run",
                "Tool.run",
            }
        ),
    ),
    "google": (
        "openinference-instrumentation-google-adk (1.0.5)",
        frozenset(
            {
                "Runner.run_async",
                "BaseAgent.run_async",
            }
        ),
    ),
    "mem0": (
        "openlit's mem0 instrumentation (1.45.0)",
        frozenset(
            {
                "Memory.add",
                "Memory.search",
                "Memory.get",
                "Memory.get_all",
                "Memory.update",
                "Memory.delete",
                "Memory.delete_all",
                "Memory.history",
            }
        ),
    ),
}
# Decorators that register a function for a framework to call from inside an entry point that an
# instrumentation wraps in a span: the decorated function runs in that span, though no call in the
# project shows it (crewai's flow steps are run by ``Flow._execute_method``). Matched on the
# decorator's qualified name, in the framework itself and in applications that use it.
INSTRUMENTED_CALLBACK_DECORATORS: dict[str, str] = {
    f"{module}.{decorator}": (
        f"the span openinference-instrumentation-crewai (1.1.21) opens around Flow._execute_method(), "
        f"which runs this @{decorator} flow step"
    )
    for module in ("crewai.flow.flow", "crewai.flow", "crewai")
    for decorator in ("start", "listen", "router")
}
# Decorators of a project's own span dispatcher that an instrumentation makes current
# (llama-index's ``@dispatcher.span``, bridged to OpenTelemetry by openinference's LlamaIndexInstrumentor).
DISPATCHER_SPAN_DECORATORS = ("dispatcher.span",)
