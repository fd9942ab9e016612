"""How the project model follows work handed over without a direct call: a callable passed to a
helper that runs it on a thread, an object typed by a ``Protocol``, a factory with a path it cannot
read, a variable typed by its annotation, an object a project factory builds, classes reached
through relative imports, and a namespace package's instrumented entry points.

Each was a miss on the application corpus (README, "Recall on application code"); each case below
is the shape of a real one, and each has its counterpart that must stay quiet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flake8_otel_context.analysis.settings import SpanScope
from tests.test_project_model import write
from tests.test_project_public_api import codes, findings

THREADS = """\
    import threading

    def create_thread(target):
        return threading.Thread(target=target)
"""


def test_a_helper_runs_what_its_callers_hand_it(tmp_path: Path) -> None:
    # google-adk's ``create_thread(target)``: the thread runs whatever ``Runner.run`` passes.
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/threads.py": THREADS,
        "lib/runner.py": """\
            import requests
            from lib.threads import create_thread

            class Runner:
                def run(self, url):
                    def _main():
                        requests.get(url)
                    create_thread(target=_main).start()
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/threads.py", SpanScope.PUBLIC) == [(4, "OTC103")]


def test_a_helper_whose_callers_hand_it_untraced_work_stays_quiet(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/threads.py": THREADS,
        "lib/runner.py": """\
            from lib.threads import create_thread

            class Runner:
                def run(self, numbers):
                    def _main():
                        sum(numbers)
                    create_thread(target=_main).start()
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/threads.py", SpanScope.PUBLIC) == []


PROTOCOL = """\
    from typing import Protocol

    class ChatGenerator(Protocol):
        def run(self, messages): ...
"""
EXTRACTOR = """\
    from concurrent.futures import ThreadPoolExecutor
    from lib.types import ChatGenerator

    class Extractor:
        def __init__(self, generator: ChatGenerator):
            self._generator = generator

        def _one(self, prompt):
            return self._generator.run([prompt])

        def extract(self, prompts):
            with ThreadPoolExecutor() as pool:
                return list(pool.map(self._one, prompts))
"""


def test_a_protocol_runs_the_classes_named_after_it(tmp_path: Path) -> None:
    # haystack's ``ChatGenerator`` protocol: ``OpenAIChatGenerator`` implements it without naming it.
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/types.py": PROTOCOL,
        "lib/extractor.py": EXTRACTOR,
        "lib/openai_chat.py": """\
            import openai

            class OpenAIChatGenerator:
                def __init__(self):
                    self.client = openai.OpenAI()

                def run(self, messages):
                    return self.client.chat.completions.create(messages=messages)
        """,
        "lib/echo.py": """\
            class Echo:
                def run(self, messages):
                    return messages
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/extractor.py", SpanScope.PUBLIC) == [(13, "OTC102")]


def test_a_class_that_only_shares_a_method_name_does_not_implement_a_protocol(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/types.py": PROTOCOL,
        "lib/extractor.py": EXTRACTOR,
        "lib/fetcher.py": """\
            import requests

            class Fetcher:
                def run(self, messages):
                    return requests.get("https://example.org")
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/extractor.py", SpanScope.PUBLIC) == []


def test_a_factory_with_a_return_the_model_cannot_read_builds_an_unknown_class(tmp_path: Path) -> None:
    # mem0's ``EmbedderFactory.create``: a mock on one path, a class loaded by name on the other.
    # Taking the mock for the answer hid every real embedder.
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/factory.py": """\
            import importlib

            class MockEmbedder:
                def embed(self, text):
                    return [0.0]

            def create(provider):
                if provider == "mock":
                    return MockEmbedder()
                module, _, name = provider.rpartition(".")
                embedder = getattr(importlib.import_module(module), name)
                return embedder()
        """,
        "lib/openai_embedder.py": """\
            import openai

            class OpenAIEmbedder:
                def __init__(self):
                    self.client = openai.OpenAI()

                def embed(self, text):
                    return self.client.embeddings.create(input=text)
        """,
        "lib/memory.py": """\
            from concurrent.futures import ThreadPoolExecutor
            from opentelemetry import trace
            from lib.factory import create

            tracer = trace.get_tracer(__name__)

            class Memory:
                def __init__(self, provider):
                    self.embedder = create(provider)

                def _vectors(self, query):
                    return self.embedder.embed(query)

                def search(self, query):
                    with tracer.start_as_current_span("search"):
                        with ThreadPoolExecutor() as pool:
                            return pool.submit(self._vectors, query).result()
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/memory.py", SpanScope.PUBLIC) == [(17, "OTC102")]


def test_a_variable_is_what_its_annotation_says(tmp_path: Path) -> None:
    # haystack's ``instance: Component = component["instance"]``, run by a lambda on the loop's
    # default executor inside the pipeline's own span: a plugin the analysis cannot read.
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/component.py": """\
            from typing import Protocol

            class Component(Protocol):
                def run(self, **inputs): ...
        """,
        "lib/pipeline.py": """\
            import asyncio
            from opentelemetry import trace
            from lib.component import Component

            tracer = trace.get_tracer(__name__)

            async def run_component(component, inputs):
                instance: Component = component["instance"]
                with tracer.start_as_current_span("component"):
                    loop = asyncio.get_running_loop()
                    return await loop.run_in_executor(None, lambda: instance.run(**inputs))
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/pipeline.py", SpanScope.PUBLIC) == [(11, "OTC101")]


def test_reading_a_response_an_instrumented_library_returned_makes_no_request(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/embedder.py": """\
            import asyncio
            from openai.types import CreateEmbeddingResponse

            class Embedder:
                def local(self, response: CreateEmbeddingResponse):
                    return response.model_dump()

                async def embed(self, response):
                    loop = asyncio.get_running_loop()
                    return await loop.run_in_executor(None, self.local, response)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/embedder.py", SpanScope.PUBLIC) == []


def test_a_namespace_package_s_instrumented_entry_points_are_known_by_its_full_name(tmp_path: Path) -> None:
    # ``google/adk/``: the modules are found as ``adk.*`` under the namespace package ``google``;
    # openinference's instrumentation wraps ``google.adk``'s ``Runner.run_async`` in a span.
    write(tmp_path, {
        "google/adk/__init__.py": "",
        "google/adk/runners.py": """\
            import asyncio
            import requests

            def _fetch(url):
                return requests.get(url)

            class Runner:
                async def run_async(self, url):
                    loop = asyncio.get_running_loop()
                    return await loop.run_in_executor(None, _fetch, url)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "google/adk/runners.py", SpanScope.PROJECT) == [(10, "OTC101")]


def test_a_method_of_an_object_a_project_factory_builds_is_project_code(tmp_path: Path) -> None:
    # mem0's ``self.graph = GraphStoreFactory.create(...)`` then ``self.graph.add(data)``: not a
    # set's ``add``, but one of the project's stores, whose ``add`` calls an LLM.
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/graph.py": """\
            import importlib
            import openai

            class Graph:
                def add(self, data):
                    return openai.OpenAI().chat.completions.create(messages=[data])

            class GraphFactory:
                @classmethod
                def create(cls, provider):
                    return getattr(importlib.import_module(provider), "Graph")()
        """,
        "lib/memory.py": """\
            from concurrent.futures import ThreadPoolExecutor
            from opentelemetry import trace
            from lib.graph import GraphFactory

            tracer = trace.get_tracer(__name__)

            class Memory:
                def __init__(self, provider):
                    self.graph = GraphFactory.create(provider)
                    self.seen = set()

                def _to_graph(self, data):
                    self.graph.add(data)

                def _to_seen(self, data):
                    self.seen.add(data)

                def add(self, data):
                    with tracer.start_as_current_span("add"):
                        with ThreadPoolExecutor() as pool:
                            pool.submit(self._to_graph, data)
                            pool.submit(self._to_seen, data)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/memory.py", SpanScope.PUBLIC) == [(21, "OTC102")]


def test_relative_imports_name_the_package_s_own_classes(tmp_path: Path) -> None:
    # elasticsearch's ``from .. import Elasticsearch`` (no module after the dots) and
    # ``class Elasticsearch(BaseClient)`` with ``from ._base import BaseClient``: the request is in
    # the base class, two relative imports away from the pool.
    write(tmp_path, {
        "search/__init__.py": "from .client import Client\n",
        "search/client/__init__.py": """\
            from ._base import BaseClient

            class Client(BaseClient):
                def bulk(self, body):
                    return self.perform_request("POST", "/_bulk", body)
        """,
        "search/client/_base.py": """\
            import requests

            class BaseClient:
                def perform_request(self, method, path, body):
                    return requests.request(method, path, data=body)
        """,
        "search/helpers/__init__.py": "",
        "search/helpers/actions.py": """\
            from multiprocessing.pool import ThreadPool
            from .. import Client

            def _send(client: Client, chunk):
                return client.bulk(chunk)

            def parallel_bulk(client, chunks):
                pool = ThreadPool(4)
                return list(pool.imap(lambda chunk: _send(client, chunk), chunks))
        """,
    })  # fmt: skip
    assert codes(tmp_path, "search/helpers/actions.py", SpanScope.PUBLIC) == [(9, "OTC102")]


def test_a_callable_passed_by_position_is_matched_past_self_and_never_to_a_keyword_only_parameter(
    tmp_path: Path,
) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/work.py": """\
            import threading
            import requests

            def fetch():
                requests.get("https://example.org")

            def compute():
                sum(range(10))

            class Threads:
                def spawn(self, work, on_done=None):
                    threading.Thread(target=work).start()

                @classmethod
                def spawn_for(cls, work):
                    threading.Thread(target=work).start()

            def _run_all(*works, callback=None):
                for work in works:
                    threading.Thread(target=callback).start()

            BACKGROUND = Threads()

            def serve():
                BACKGROUND.spawn(compute, fetch)
                Threads.spawn_for(fetch)
                _run_all(fetch)
        """,
    })  # fmt: skip
    # ``spawn`` runs ``compute`` (pure), not ``on_done=fetch``; ``spawn_for`` runs ``fetch``;
    # ``_run_all(fetch)`` hands ``fetch`` to ``*works``, never to ``callback``.
    assert codes(tmp_path, "lib/work.py", SpanScope.PROJECT) == []
    assert codes(tmp_path, "lib/work.py", SpanScope.PUBLIC) == [(16, "OTC103")]


def test_a_parameter_handed_on_and_a_lambda_around_it_are_followed(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/pool.py": """\
            from concurrent.futures import ThreadPoolExecutor

            POOL = ThreadPoolExecutor()

            def in_background(fn):
                return POOL.submit(lambda: fn())

            def start_background(fn):
                return in_background(fn)
        """,
        "lib/app.py": """\
            import requests
            from lib.pool import start_background

            def refresh(url):
                start_background(requests.get)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/pool.py", SpanScope.PUBLIC) == [(6, "OTC102")]


def test_a_src_layout_keeps_its_instrumented_entry_points(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/smolagents/__init__.py": "",
        "src/smolagents/agents.py": """\
            import asyncio
            import requests

            class MultiStepAgent:
                async def run(self, url):
                    loop = asyncio.get_running_loop()
                    return await loop.run_in_executor(None, requests.get, url)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "src/smolagents/agents.py", SpanScope.PROJECT) == [(7, "OTC101")]


def test_a_client_request_named_like_a_data_method_is_still_a_request(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/indexer.py": """\
            from concurrent.futures import ThreadPoolExecutor
            from elasticsearch import Elasticsearch
            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)
            es = Elasticsearch()

            def _store(doc):
                es.index(index="docs", document=doc)

            def store_all(docs):
                with tracer.start_as_current_span("store"):
                    with ThreadPoolExecutor() as pool:
                        pool.map(_store, docs)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/indexer.py", SpanScope.PUBLIC) == [(14, "OTC102")]


def test_a_network_protocol_class_is_no_typing_protocol(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/lines.py": """\
            import asyncio
            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)

            class LineProtocol(asyncio.Protocol):
                def split(self, data):
                    return data.split(b"\\n")

                async def handle(self, data):
                    with tracer.start_as_current_span("handle"):
                        loop = asyncio.get_running_loop()
                        return await loop.run_in_executor(None, self.split, data)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/lines.py", SpanScope.PUBLIC) == []


def test_a_protocol_whose_implementations_are_seen_and_pure_makes_no_span(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/hashing.py": """\
            import hashlib
            from concurrent.futures import ThreadPoolExecutor
            from typing import Protocol
            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)

            class Hasher(Protocol):
                def digest(self, data): ...

            class Sha256Hasher:
                def digest(self, data):
                    return hashlib.sha256(data).hexdigest()

            def digest_all(hasher: Hasher, items):
                with tracer.start_as_current_span("digest"):
                    with ThreadPoolExecutor() as pool:
                        return list(pool.map(hasher.digest, items))
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/hashing.py", SpanScope.PUBLIC) == []


def test_a_factory_that_returns_a_known_container_builds_no_project_object(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/store.py": """\
            import queue
            import requests
            from concurrent.futures import ThreadPoolExecutor
            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)

            class RemoteStore:
                def put(self, item):
                    requests.post("https://example.org", json=item)

            def make_queue():
                return queue.Queue()

            class Collector:
                def __init__(self):
                    self.results = make_queue()

                def _keep(self, item):
                    self.results.put(item)

                def collect(self, items):
                    with tracer.start_as_current_span("collect"):
                        with ThreadPoolExecutor() as pool:
                            pool.map(self._keep, items)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/store.py", SpanScope.PUBLIC) == []


def test_an_annotation_that_names_nothing_leaves_the_value_s_own_type(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/pools.py": """\
            from concurrent.futures import ThreadPoolExecutor

            def make_pool():
                return ThreadPoolExecutor()
        """,
        "lib/jobs.py": """\
            from typing import Any
            import requests
            from opentelemetry import trace
            from lib.pools import make_pool

            tracer = trace.get_tracer(__name__)

            def fetch_all(urls):
                pool: Any = make_pool()
                with tracer.start_as_current_span("fetch"):
                    return [pool.submit(requests.get, url) for url in urls]
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/jobs.py", SpanScope.PUBLIC) == [(11, "OTC102")]


def test_from_dot_import_names_the_module_s_own_package(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/sub/__init__.py": "",
        "lib/sub/pools.py": """\
            from concurrent.futures import ThreadPoolExecutor

            IO_POOL = ThreadPoolExecutor()
        """,
        "lib/sub/jobs.py": """\
            import requests
            from opentelemetry import trace
            from . import pools

            tracer = trace.get_tracer(__name__)

            def fetch(url):
                with tracer.start_as_current_span("fetch"):
                    return pools.IO_POOL.submit(requests.get, url)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/sub/jobs.py", SpanScope.PUBLIC) == [(9, "OTC102")]


PARALLEL = """\
    from concurrent.futures import ThreadPoolExecutor

    def _bind_call_id(fn):
        def wrapper(*args):
            return fn(*args)
        return wrapper

    class ParallelExecutor:
        def execute(self, function, data):
            wrapped = self._wrap(_bind_call_id(function))
            return self._run_parallel(wrapped, data)

        def _wrap(self, user_function):
            def safe(item):
                try:
                    return user_function(item)
                except Exception as e:
                    return e
            return safe

        def _run_parallel(self, function, data):
            def worker(item):
                return function(item)
            with ThreadPoolExecutor() as pool:
                return [pool.submit(worker, item) for item in data]
"""


def test_a_public_function_runs_on_a_thread_what_its_users_hand_it(tmp_path: Path) -> None:
    # dspy's ``ParallelExecutor.execute(function, data)``: users call it in their span with their own
    # work, wrapped twice by closures on the way to the pool. The span and the work come from the
    # same call, so the work's spans lose their parent.
    write(tmp_path, {"lib/__init__.py": "", "lib/parallel.py": PARALLEL})
    assert codes(tmp_path, "lib/parallel.py", SpanScope.PROJECT) == []
    assert codes(tmp_path, "lib/parallel.py", SpanScope.PUBLIC) == [(25, "OTC102")]
    [finding] = findings(tmp_path, "lib/parallel.py", SpanScope.PUBLIC)
    assert "_wrap.safe(), which calls user_function()" in finding.message
    assert "function(), which users of ParallelExecutor.execute() hand it" in finding.message


def test_work_users_handed_to_another_call_is_not_enough_under_an_assumed_span(tmp_path: Path) -> None:
    # llama-index's ``FunctionTool(fn)`` keeps the user's function; ``acall`` later runs it. The span
    # assumed around ``acall`` and the function handed to ``__init__`` are two guesses.
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/tool.py": """\
            import asyncio

            class FunctionTool:
                def __init__(self, fn):
                    self._fn = fn

                async def acall(self, *args):
                    loop = asyncio.get_running_loop()
                    return await loop.run_in_executor(None, self._fn, *args)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/tool.py", SpanScope.PUBLIC) == []


def test_a_closure_whose_maker_copies_the_context_carries_it(tmp_path: Path) -> None:
    # haystack's ``_make_context_bound_invoke``: the closure runs the tool in a copy of the context
    # taken at the call, so the pool thread has the span.
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/invoker.py": """\
            import contextvars
            from concurrent.futures import ThreadPoolExecutor
            import requests

            def _context_bound(url):
                ctx = contextvars.copy_context()
                def _runner():
                    return ctx.run(requests.get, url)
                return _runner

            def fetch_all(urls):
                with ThreadPoolExecutor() as pool:
                    for url in urls:
                        bound = _context_bound(url)
                        pool.submit(bound)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/invoker.py", SpanScope.EVERYWHERE) == []


def test_a_class_method_that_builds_its_class_calls_no_callable_it_is_given(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/records.py": """\
            from concurrent.futures import ThreadPoolExecutor

            class Record:
                def __init__(self, row):
                    self.row = row

                @classmethod
                def load_all(cls, rows):
                    with ThreadPoolExecutor() as pool:
                        return list(pool.map(lambda row: cls(row), rows))
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/records.py", SpanScope.EVERYWHERE) == []


# Each case below is one an independent review of following closures found going wrong.


def test_a_closure_that_calls_its_own_factory_is_read_once(tmp_path: Path) -> None:
    # A retry wrapper: reading ``attempt`` reads ``with_retries``'s value, which is ``attempt``.
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/retry.py": """\
            from concurrent.futures import ThreadPoolExecutor

            def with_retries(fn, attempts):
                def attempt(*args):
                    try:
                        return fn(*args)
                    except Exception:
                        if attempts <= 1:
                            raise
                        return with_retries(fn, attempts - 1)(*args)
                return attempt

            def _go(work, items):
                with ThreadPoolExecutor() as pool:
                    return list(pool.map(work, items))

            def run_with_retries(fn, items):
                return _go(with_retries(fn, 3), items)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/retry.py", SpanScope.PUBLIC) == [(15, "OTC102")]


BOUND = """\
    from concurrent.futures import ThreadPoolExecutor
    import requests
    from opentelemetry import context as otel_context, trace

    tracer = trace.get_tracer(__name__)

    def _bound(fn):
        ctx = otel_context.get_current()
        def run(*args):
            token = otel_context.attach(ctx)
            try:
                return fn(*args)
            finally:
                otel_context.detach(token)
        return run

    def _go(work, items):
        with ThreadPoolExecutor() as pool:
            return list(pool.map(work, items))

    def execute(fn, items):
        return _go(_bound(fn), items)

    def job(urls):
        with tracer.start_as_current_span("job"):
            return _go(_bound(requests.get), urls)
"""


@pytest.mark.parametrize("scope", [SpanScope.PROJECT, SpanScope.PUBLIC, SpanScope.EVERYWHERE])
def test_a_helper_handed_only_closures_that_carry_the_context_loses_nothing(
    tmp_path: Path, scope: SpanScope
) -> None:
    write(tmp_path, {"lib/__init__.py": "", "lib/bound.py": BOUND})
    assert codes(tmp_path, "lib/bound.py", scope) == []


def test_a_public_wrapper_on_the_way_keeps_the_users_of_the_call_above_it(tmp_path: Path) -> None:
    # ``counted`` is public too: its own users are not the ones whose span the boundary runs under.
    public_wrapper = PARALLEL.replace("_bind_call_id", "bind_call_id")
    write(tmp_path, {"lib/__init__.py": "", "lib/parallel.py": public_wrapper})
    [finding] = findings(tmp_path, "lib/parallel.py", SpanScope.PUBLIC)
    assert "which users of ParallelExecutor.execute() hand it" in finding.message


def test_a_recursive_public_function_runs_what_its_users_hand_it(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/tree.py": """\
            from concurrent.futures import ThreadPoolExecutor

            POOL = ThreadPoolExecutor()

            def map_tree(fn, node):
                futures = [POOL.submit(fn, node.value)]
                for child in node.children:
                    futures.extend(map_tree(fn, child))
                return futures
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/tree.py", SpanScope.PUBLIC) == [(6, "OTC102")]


@pytest.mark.parametrize("apply_first", [True, False])
def test_which_public_caller_comes_first_changes_nothing(tmp_path: Path, apply_first: bool) -> None:
    parse_all = "def parse_all(items):\n    return _run(json.loads, items)\n"
    apply_all = "def apply_all(fn, items):\n    return _run(fn, items)\n"
    callers = apply_all + parse_all if apply_first else parse_all + apply_all
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/work.py": (
            "import json\nfrom concurrent.futures import ThreadPoolExecutor\n\n"
            "def _run(fn, items):\n    with ThreadPoolExecutor() as pool:\n"
            "        return list(pool.map(fn, items))\n\n" + callers
        ),
    })  # fmt: skip
    assert codes(tmp_path, "lib/work.py", SpanScope.PUBLIC) == [(6, "OTC102")]


def test_a_closure_made_at_the_boundary_is_read_with_the_users_of_its_function(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/work.py": """\
            from concurrent.futures import ThreadPoolExecutor

            def _wrap(fn):
                def inner(*args):
                    return fn(*args)
                return inner

            def _go(work, items):
                with ThreadPoolExecutor() as pool:
                    return list(pool.map(work, items))

            def via_helper(fn, items):
                return _go(_wrap(fn), items)

            def bound_here(fn, items):
                wrapped = _wrap(fn)
                with ThreadPoolExecutor() as pool:
                    return list(pool.map(wrapped, items))

            def made_here(fn, items):
                with ThreadPoolExecutor() as pool:
                    return list(pool.map(_wrap(fn), items))
        """,
    })  # fmt: skip
    expected = [(10, "OTC102"), (18, "OTC102"), (22, "OTC102")]
    assert codes(tmp_path, "lib/work.py", SpanScope.PUBLIC) == expected


def test_a_factory_that_returns_one_of_several_functions_may_return_the_traced_one(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/dispatch.py": """\
            import json
            from concurrent.futures import ThreadPoolExecutor
            import requests
            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)

            def parse_local(item):
                return json.loads(item)

            def fetch_remote(item):
                return requests.get(item).text

            def _handler_for(kind):
                if kind == "local":
                    return parse_local
                return fetch_remote

            def process(kind, items):
                with tracer.start_as_current_span("process"):
                    handler = _handler_for(kind)
                    with ThreadPoolExecutor() as pool:
                        return list(pool.map(handler, items))
        """,
    })  # fmt: skip
    [finding] = findings(tmp_path, "lib/dispatch.py", SpanScope.PROJECT)
    assert finding.line == 23
    assert "fetch_remote(), which calls requests.get(), which is instrumented" in finding.message


def test_a_context_copied_before_the_span_opens_does_not_carry_it(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/early.py": """\
            import contextvars
            from concurrent.futures import ThreadPoolExecutor
            import requests
            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)
            POOL = ThreadPoolExecutor()

            def _bind(fn):
                ctx = contextvars.copy_context()
                def run(*args):
                    return ctx.run(fn, *args)
                return run

            def fetch_early(url):
                bound = _bind(requests.get)
                with tracer.start_as_current_span("early"):
                    return POOL.submit(bound, url).result()

            def fetch_late(url):
                with tracer.start_as_current_span("late"):
                    bound = _bind(requests.get)
                    return POOL.submit(bound, url).result()
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/early.py", SpanScope.PROJECT) == [(18, "OTC102")]


def test_a_default_shows_what_a_parameter_is_for(tmp_path: Path) -> None:
    # ``parser=json.loads`` and ``log=print``: users who pass their own do the same kind of work.
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/files.py": """\
            import json
            from concurrent.futures import ThreadPoolExecutor

            def load_files(paths, parser=json.loads):
                with ThreadPoolExecutor() as pool:
                    return list(pool.map(parser, paths))

            def run_jobs(jobs, log=print):
                with ThreadPoolExecutor() as pool:
                    return list(pool.map(log, jobs))
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/files.py", SpanScope.PUBLIC) == []
