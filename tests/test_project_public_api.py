"""What the project model assumes of a library's public API, and the evidence it accepts there.

Users call a package's public functions under their own spans, so a boundary there may lose one the
project never shows. That assumption is kept to the work users do: not set-up, maintenance or
tear-down steps, not the telemetry pipeline's own methods, and the worker must be shown to make
spans without guessing what an unknown object's method runs. Measured on both labelled corpora
(README, "Why `public` is the default scope").
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.settings import Settings, SpanScope
from flake8_otel_context.checker import analyze
from flake8_otel_context.project.load import load_project, namespace_names
from tests.test_project_model import write


def findings(root: Path, name: str, scope: SpanScope) -> list[Finding]:
    model = load_project([str(root)], cache_directory=False)
    path = root / name
    source = path.read_text(encoding="utf-8")
    return analyze(ast.parse(source), source, Settings(span_scope=scope), None, model, str(path))


def codes(root: Path, name: str, scope: SpanScope) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in findings(root, name, scope)]


CLIENT = """\
    import requests
    import threading
    from concurrent.futures import ThreadPoolExecutor

    POOL = ThreadPoolExecutor()

    def download(url):
        return requests.get(url)

    class Client:
        def fetch_all(self, urls):
            return list(POOL.map(download, urls))

        def close(self):
            threading.Thread(target=download, args=("bye",)).start()

        def reconnect_on_idle(self, state):
            threading.Thread(target=download, args=("again",)).start()
"""


def test_users_call_the_public_api_in_their_spans_but_not_its_lifecycle_steps(tmp_path: Path) -> None:
    write(tmp_path, {"lib/__init__.py": "", "lib/client.py": CLIENT})
    assert codes(tmp_path, "lib/client.py", SpanScope.PROJECT) == []
    assert codes(tmp_path, "lib/client.py", SpanScope.PUBLIC) == [(12, "OTC102")]


def test_a_span_processor_s_methods_are_telemetry_plumbing(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/processor.py": """\
            import requests
            import threading

            def upload(batch):
                requests.post("https://collector", json=batch)

            class BufferingSpanProcessor:
                def release(self, batch):
                    threading.Timer(1.0, upload, args=(batch,)).start()
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/processor.py", SpanScope.PUBLIC) == []


def test_under_an_assumed_span_the_worker_s_evidence_must_not_be_a_guess(tmp_path: Path) -> None:
    # ``self.provider`` has no known type: ``.train()`` is taken to be the one project method of
    # that name. A span assumed and a callee guessed are two guesses: not reported.
    write(tmp_path, {
        "lib/__init__.py": "",
        "lib/providers.py": """\
            import requests

            class RemoteProvider:
                def train(self, data):
                    return requests.post("https://trainer", json=data)
        """,
        "lib/model.py": """\
            import threading

            class Model:
                def __init__(self, provider):
                    self.provider = provider

                def finetune(self, data):
                    threading.Thread(target=self._job, args=(data,)).start()

                def _job(self, data):
                    self.provider.train(data)
        """,
    })  # fmt: skip
    assert codes(tmp_path, "lib/model.py", SpanScope.PUBLIC) == []
    assert codes(tmp_path, "lib/model.py", SpanScope.FUNCTION) == [(8, "OTC103")]


def test_a_namespace_package_is_imported_by_its_full_name(tmp_path: Path) -> None:
    # ``ns/`` has no ``__init__.py`` (PEP 420): ``from ns.lib.tracing import step`` is the project's.
    write(tmp_path, {
        "ns/lib/__init__.py": "",
        "ns/lib/tracing.py": """\
            import contextlib
            from opentelemetry import trace
            tracer = trace.get_tracer(__name__)
            @contextlib.contextmanager
            def step(name):
                with tracer.start_as_current_span(name):
                    yield
        """,
        "ns/lib/work.py": """\
            import contextlib
            import threading
            import requests
            from ns.lib.tracing import step

            def fetch(url):
                threading.Thread(target=requests.get, args=(url,)).start()

            def run(url):
                with step("download"), contextlib.suppress(OSError):
                    fetch(url)
        """,
    })  # fmt: skip
    assert namespace_names(tmp_path / "ns/lib/work.py", tmp_path) == ["ns.lib.work"]
    assert codes(tmp_path, "ns/lib/work.py", SpanScope.PROJECT) == [(7, "OTC103")]
    model = load_project([str(tmp_path)], cache_directory=False)
    assert model.call_traced("f:ns.lib.tracing.unknown") is None  # the project's, not a library's


def test_another_module_s_loop_serves_its_thread_for_life(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/loops.py": """\
            import requests

            def drain(queue):
                while True:
                    requests.post("https://sink", json=queue.get())

            def once(item):
                requests.post("https://sink", json=item)
        """,
        "pkg/app.py": """\
            import threading
            from opentelemetry import trace
            from pkg.loops import drain, once
            tracer = trace.get_tracer(__name__)

            def start(queue, item):
                with tracer.start_as_current_span("request"):
                    threading.Thread(target=drain, args=(queue,)).start()
                    threading.Thread(target=once, args=(item,)).start()
        """,
    })  # fmt: skip
    assert codes(tmp_path, "pkg/app.py", SpanScope.PROJECT) == [(9, "OTC103")]


def test_a_client_built_on_a_pool_thread_is_still_the_library_s_client(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/sink.py": """\
            import asyncio
            import requests

            class Sink:
                async def setup(self):
                    loop = asyncio.get_running_loop()
                    self.session = await loop.run_in_executor(None, lambda: requests.Session())
                    self.other = await asyncio.to_thread(requests.Session)
        """,
    })  # fmt: skip
    model = load_project([str(tmp_path)], cache_directory=False)
    attributes = model.modules["pkg.sink"].classes["Sink"].attributes
    assert [v.ref for v in attributes["session"]] == ["requests.Session()"]
    assert [v.ref for v in attributes["other"]] == ["requests.Session()"]


@pytest.mark.parametrize(
    ("callee", "traced"),
    [
        ("f:urllib.request.urlopen", True),
        ("f:urllib.request.pathname2url", False),  # urllib's instrumentation wraps only the opener
        ("f:google.cloud.bigquery.SchemaField.from_api_repr", False),  # a class method: no request
        ("f:opentelemetry.context.get_current", True),
        ("f:opentelemetry.sdk.trace.ReadableSpan", False),  # building a span reads no context
    ],
)
def test_what_counts_as_a_call_that_makes_spans(tmp_path: Path, callee: str, traced: bool) -> None:
    write(tmp_path, {"pkg/__init__.py": ""})
    model = load_project([str(tmp_path)], cache_directory=False)
    assert (model.call_traced(callee) is not None) is traced


def test_a_worker_whose_requests_run_with_instrumentation_suppressed_makes_no_span(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/client.py": """\
            import threading
            import requests
            from opentelemetry import trace
            from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, attach, detach, set_value
            tracer = trace.get_tracer(__name__)

            def _request(url):
                token = attach(set_value(_SUPPRESS_INSTRUMENTATION_KEY, True))
                try:
                    return requests.get(url)
                finally:
                    detach(token)

            def refresh(url):
                _request(url)

            def plain(url):
                requests.get(url)

            def get(url):
                with tracer.start_as_current_span("get"):
                    threading.Thread(target=refresh, args=(url,)).start()
                    threading.Thread(target=plain, args=(url,)).start()
        """,
    })  # fmt: skip
    assert codes(tmp_path, "pkg/client.py", SpanScope.PROJECT) == [(23, "OTC103")]
