"""The project model's resolution rules and its cache, each on a small project written for the test."""

from __future__ import annotations

import ast
import json
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from flake8_otel_context.analysis.settings import Settings
from flake8_otel_context.analysis.values import Kind
from flake8_otel_context.checker import analyze
from flake8_otel_context.project import load as load_module
from flake8_otel_context.project.cache import default_directory
from flake8_otel_context.project.load import ROOT_MARKERS, load_project, module_name, project_root
from flake8_otel_context.project.model import ProjectModel

TRACED = """\
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def fetch(item):
    with tracer.start_as_current_span("fetch"):
        return item


def handle(work, item):
    with tracer.start_as_current_span("request"):
        return work(item)
"""


# pkg/app.py opens a span and calls run() in pkg/work.py, whose pool submit (line 5) loses it.
SPAN_IN_ANOTHER_MODULE = {
    "pkg/app.py": TRACED + """
from pkg.work import run

def main():
    with tracer.start_as_current_span("job"):
        run(1)
""",
    "pkg/work.py": """\
        from concurrent.futures import ThreadPoolExecutor
        from pkg.app import fetch
        POOL = ThreadPoolExecutor()
        def run(item):
            return POOL.submit(fetch, item).result()
    """,
}


def write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def codes(root: Path, name: str, model: ProjectModel | None = None) -> list[tuple[int, str]]:
    model = model or load_project([str(root)], cache_directory=False)
    path = root / name
    source = path.read_text(encoding="utf-8")
    return [(f.line, f.code) for f in analyze(ast.parse(source), source, Settings(), None, model, str(path))]


def test_module_names_follow_the_packages_around_a_file(tmp_path: Path) -> None:
    write(tmp_path, {"src/pkg/__init__.py": "", "src/pkg/sub/__init__.py": "", "src/pkg/sub/mod.py": ""})
    assert module_name(tmp_path / "src/pkg/sub/mod.py") == ("pkg.sub.mod", False)
    assert module_name(tmp_path / "src/pkg/__init__.py") == ("pkg", True)
    assert project_root(tmp_path / "src/pkg/sub/mod.py") == tmp_path


def test_without_a_root_marker_the_project_is_the_whole_package_a_file_belongs_to(tmp_path: Path) -> None:
    # An unpacked wheel has no ``pyproject.toml`` or ``.git``: linting ``dspy/utils/parallelizer.py``
    # must still read ``dspy/dsp/``, or ``dspy.dsp.utils`` passes for a third-party library.
    unpacked = tmp_path / "unpacked"
    for name in ("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/mod.py", "scripts/tool.py"):
        (unpacked / name).parent.mkdir(parents=True, exist_ok=True)
        (unpacked / name).write_text("", encoding="utf-8")
    if any((directory / marker).exists() for directory in unpacked.parents for marker in ROOT_MARKERS):
        pytest.skip("the temporary directory lies inside a project")
    assert project_root(unpacked / "pkg/sub/mod.py") == unpacked / "pkg"
    assert project_root(unpacked / "pkg") == unpacked / "pkg"
    assert project_root(unpacked / "scripts/tool.py") == unpacked / "scripts"
    # Only the package is read, not what lies beside it (a home directory, ``/tmp``).
    model = load_project([str(unpacked / "pkg/sub/mod.py")], cache_directory=False)
    assert sorted(model.modules) == ["pkg", "pkg.sub", "pkg.sub.mod"]


def test_an_executor_is_known_through_a_re_export_a_factory_and_a_property(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "from .pools import IO_POOL as IO_POOL\n",
        "pkg/pools.py": """\
            from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
            IO_POOL = ThreadPoolExecutor()
            def make_pool():
                return ProcessPoolExecutor()
            class Holder:
                def __init__(self):
                    self._pool = None
                @property
                def pool(self):
                    if self._pool is None:
                        self._pool = ThreadPoolExecutor()
                    return self._pool
        """,
    })  # fmt: skip
    model = load_project([str(tmp_path)], cache_directory=False)
    assert model.kind("pkg.IO_POOL") is Kind.THREAD_POOL
    assert model.kind("pkg.pools.make_pool()") is Kind.PROCESS_POOL
    assert model.kind("pkg.pools.Holder()#pool") is Kind.THREAD_POOL


def test_a_span_opened_by_a_caller_in_another_module_reaches_the_boundary(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "",
        **SPAN_IN_ANOTHER_MODULE,
    })  # fmt: skip
    assert codes(tmp_path, "pkg/work.py") == [(5, "OTC102")]


def test_a_tracing_helper_of_the_project_opens_a_span_for_its_with_block(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/tracing.py": """\
            import contextlib
            from opentelemetry import trace
            tracer = trace.get_tracer(__name__)
            @contextlib.contextmanager
            def step(name):
                with tracer.start_as_current_span(name):
                    yield
        """,
        "pkg/work.py": """\
            import threading
            from pkg import tracing
            import requests
            def run(url):
                with tracing.step("download"):
                    threading.Thread(target=requests.get, args=(url,)).start()
        """,
    })  # fmt: skip
    assert codes(tmp_path, "pkg/work.py") == [(6, "OTC103")]


@pytest.mark.parametrize(
    ("worker", "reported"),
    [
        ("fetch", True),  # opens a span
        ("requests.get", True),  # an instrumented library
        ("hashlib.sha256", False),  # computes
        ("len", False),  # a builtin
    ],
)
def test_only_a_worker_that_makes_spans_loses_anything(tmp_path: Path, worker: str, reported: bool) -> None:
    write(tmp_path, {
        "app.py": TRACED + f"""\

import hashlib
import requests
from concurrent.futures import ThreadPoolExecutor

def main(pool: ThreadPoolExecutor):
    with tracer.start_as_current_span("request"):
        pool.submit({worker}, b"x")
""",
    })  # fmt: skip
    assert bool(codes(tmp_path, "app.py")) is reported


def test_a_client_of_an_instrumented_library_held_by_an_attribute_makes_spans(tmp_path: Path) -> None:
    write(tmp_path, {
        "app.py": TRACED + """\

import openai
from concurrent.futures import ThreadPoolExecutor

class Provider:
    def __init__(self):
        self.client = openai.OpenAI()

    def complete(self, prompt):
        return self.client.chat.completions.create(messages=[prompt])

    def handle(self, pool: ThreadPoolExecutor, prompt):
        with tracer.start_as_current_span("request"):
            return pool.submit(self.complete, prompt).result()
""",
    })  # fmt: skip
    found = codes(tmp_path, "app.py")
    assert found == [(27, "OTC102")]


def test_a_worker_that_re_enters_the_span_it_is_handed_loses_nothing(tmp_path: Path) -> None:
    write(tmp_path, {
        "app.py": TRACED + """\

from concurrent.futures import ThreadPoolExecutor

def work(span, item):
    with trace.use_span(span):
        return fetch(item)

def handle(pool: ThreadPoolExecutor, item):
    with tracer.start_as_current_span("request") as span:
        return pool.submit(lambda: work(span, item)).result()
""",
    })  # fmt: skip
    assert codes(tmp_path, "app.py") == []


def test_a_flow_step_runs_in_the_span_crewai_s_instrumentation_opens_for_it(tmp_path: Path) -> None:
    write(tmp_path, {
        "app.py": """\
            from concurrent.futures import ThreadPoolExecutor
            import requests
            from crewai.flow.flow import Flow, listen, start

            class Research(Flow):
                @start()
                def begin(self):
                    return "topic"

                @listen(begin)
                def fetch_all(self, urls):
                    with ThreadPoolExecutor() as pool:
                        return list(pool.map(requests.get, urls))
        """,
    })  # fmt: skip
    found = codes(tmp_path, "app.py")
    assert found == [(13, "OTC102")]


def test_a_method_of_an_unknown_object_is_traced_when_most_of_its_implementations_are(
    tmp_path: Path,
) -> None:
    providers = "".join(
        f"class P{n}:\n    def generate(self, prompt):\n        return requests.post('u', json=prompt)\n"
        for n in range(10)
    ) + "".join(
        f"class Local{n}:\n    def generate(self, prompt):\n        return prompt\n" for n in range(4)
    )
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/providers.py": "import requests\n" + providers,
    })  # fmt: skip
    model = load_project([str(tmp_path)], cache_directory=False)
    assert model.call_traced("u:generate") is not None
    write(tmp_path, {"pkg/local.py": "".join(
        f"class More{n}:\n    def generate(self, prompt):\n        return prompt\n" for n in range(7)
    )})  # fmt: skip
    model = load_project([str(tmp_path)], cache_directory=False)
    assert model.call_traced("u:generate") is None  # 10 of 21 implementations: not most


def test_a_long_lived_worker_is_not_pinned_to_one_request(tmp_path: Path) -> None:
    write(tmp_path, {
        "app.py": TRACED + """\

import threading

class Poller:
    def __init__(self):
        self.jobs = []
        with tracer.start_as_current_span("setup"):
            threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            fetch(self.jobs.pop())
""",
    })  # fmt: skip
    assert codes(tmp_path, "app.py") == []


def test_a_module_that_does_not_parse_costs_only_its_own_summary(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/broken.py": "def broken(:\n",
        "pkg/undecodable.py": "",
        **SPAN_IN_ANOTHER_MODULE,
    })  # fmt: skip
    (tmp_path / "pkg/undecodable.py").write_bytes(b"x = '\xff'\n")
    model = load_project([str(tmp_path)], cache_directory=False)
    errors = {summary.name: summary.error for summary in model.modules.values() if summary.error}
    assert errors == {"pkg.broken": errors["pkg.broken"], "pkg.undecodable": "is not UTF-8"}
    assert errors["pkg.broken"].startswith("does not parse")
    assert codes(tmp_path, "pkg/work.py", model) == [(5, "OTC102")]


class TestCache:
    def test_the_default_cache_is_outside_the_project_one_directory_per_root(self, tmp_path: Path) -> None:
        assert default_directory(tmp_path / "a") != default_directory(tmp_path / "b")
        assert not default_directory(tmp_path / "a").is_relative_to(tmp_path)

    def test_a_second_run_reads_every_summary_from_the_cache(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        write(tmp_path, {"a.py": TRACED, "b.py": "x = 1\n"})
        load_project([str(tmp_path)])
        assert not [p for p in tmp_path.iterdir() if p.name not in ("a.py", "b.py", "pyproject.toml")]
        assert (default_directory(tmp_path) / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
        summarised = []
        original = load_module.summarise
        monkeypatch.setattr(
            load_module, "summarise", lambda *args: summarised.append(args[1]) or original(*args)
        )
        load_project([str(tmp_path)])
        assert summarised == []
        (tmp_path / "b.py").write_text("y = 2\n", encoding="utf-8")
        load_project([str(tmp_path)])
        assert summarised == ["b"]

    def test_a_corrupt_or_foreign_entry_is_rebuilt_not_believed(self, tmp_path: Path) -> None:
        write(tmp_path, {"a.py": TRACED})
        load_project([str(tmp_path)])
        for entry in default_directory(tmp_path).rglob("*.json"):
            entry.write_text(json.dumps({"key": "stale", "summary": {}}), encoding="utf-8")
        assert load_project([str(tmp_path)]).modules["a"].functions.keys() == {"fetch", "handle"}
        for entry in default_directory(tmp_path).rglob("*.json"):
            entry.write_text("{not json", encoding="utf-8")
        assert load_project([str(tmp_path)]).modules["a"].functions.keys() == {"fetch", "handle"}

    def test_no_cache_writes_nothing_and_a_relocated_one_writes_only_there(self, tmp_path: Path) -> None:
        project = write(tmp_path / "project", {"a.py": TRACED})
        load_project([str(project)], cache_directory=False)
        assert not default_directory(project).exists()
        load_project([str(project)], cache_directory=tmp_path / "elsewhere")
        assert not default_directory(project).exists()
        assert list((tmp_path / "elsewhere").rglob("*.json"))

    def test_an_unwritable_cache_costs_speed_not_the_answer(self, tmp_path: Path) -> None:
        write(tmp_path, {"a.py": TRACED})
        blocker = tmp_path / "blocked"
        blocker.write_text("a file where the cache directory should be", encoding="utf-8")
        model = load_project([str(tmp_path)], cache_directory=blocker / "cache")
        assert "fetch" in model.modules["a"].functions

    def test_concurrent_runs_sharing_a_cache_all_get_whole_answers(self, tmp_path: Path) -> None:
        files = {f"m{index}.py": TRACED for index in range(20)}
        write(tmp_path / "project", files)
        cache = tmp_path / "cache"
        with ThreadPoolExecutor(max_workers=4) as pool:
            models = list(pool.map(lambda _: load_project([str(tmp_path / "project")], cache), range(8)))
        for model in models:
            assert all(set(model.modules[f"m{i}"].functions) == {"fetch", "handle"} for i in range(20))
        assert not list(cache.rglob("*.tmp"))


def test_the_evidence_names_the_instrumented_call_not_a_method_of_its_result(tmp_path: Path) -> None:
    write(tmp_path, {
        "app.py": TRACED + """\

import requests
from concurrent.futures import ThreadPoolExecutor

def fetch(url):
    return requests.get(url).json()

def handle(pool: ThreadPoolExecutor, url):
    with tracer.start_as_current_span("request"):
        return pool.submit(fetch, url).result()
""",
    })  # fmt: skip
    model = load_project([str(tmp_path)], cache_directory=False)
    path = tmp_path / "app.py"
    source = path.read_text(encoding="utf-8")
    [finding] = analyze(ast.parse(source), source, Settings(), None, model, str(path))
    assert "fetch() calls requests.get(), which is instrumented" in finding.message
