"""Building the project model, and analysing a file, cost time in proportion to their input: nothing
they make waits for the cyclic garbage collector."""

from __future__ import annotations

import ast
import functools
import gc
import os
import textwrap
from pathlib import Path

import pytest

from flake8_otel_context import checker
from flake8_otel_context.analysis.facts import ModuleFacts
from flake8_otel_context.analysis.walker import collect_facts
from flake8_otel_context.collector import accumulating
from flake8_otel_context.project import load
from flake8_otel_context.project.load import load_project
from flake8_otel_context.project.summarise import summarise

# Nested functions, a class with methods and attributes, lambdas, spans, withs, loops and pools:
# every kind of fact that points back at another.
MODULE = textwrap.dedent(
    """\
    from concurrent.futures import ThreadPoolExecutor
    from opentelemetry import trace

    tracer = trace.get_tracer(__name__)
    POOL = ThreadPoolExecutor()


    class Service:
        def __init__(self, client):
            self.client = client
            self.pool = POOL

        @tracer.start_as_current_span("handle")
        def handle(self, items):
            def work(item):
                return self.client.get(item)

            with tracer.start_as_current_span("batch"):
                for item in items:
                    self.pool.submit(work, item)
                return list(map(lambda item: self.client.get(item), items))


    def main():
        return Service(None).handle([1])
    """
)


def test_summarising_a_module_leaves_nothing_for_the_cyclic_collector() -> None:
    gc.collect()
    gc.disable()
    try:
        summary = summarise(MODULE, "pkg.service", "pkg/service.py", False)
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert {"Service.handle", "Service.handle.work", "main"} <= set(summary.functions)


def test_the_analysis_pauses_the_collector_for_one_file_and_gives_it_back_as_it_found_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The facts of a large file, rescanned by every full collection as they pile up, made the
    # analysis grow faster than the file (benchmarks/growth.py): paused for the file, they are not.
    during: list[bool] = []

    def watched(tree: ast.Module) -> ModuleFacts:
        during.append(gc.isenabled())
        return collect_facts(tree)

    monkeypatch.setattr(checker, "collect_facts", watched)
    tree = ast.parse(MODULE)
    after = []
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            assert checker.analyze(tree, MODULE)  # boundaries under a span: analysed, not skipped
            after.append(gc.isenabled())
        finally:
            gc.enable()
    assert during == [False, False]
    assert after == [True, False]


def test_building_a_model_scans_none_of_its_summaries_and_leaves_the_collector_as_it_found_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A project large enough for the young generation to pass its limit several times: what was
    # kept is frozen out of the collector's way as it piles up, never scanned, then given back.
    monkeypatch.setattr(load, "accumulating", functools.partial(accumulating, 2_000))
    for index in range(30):
        (tmp_path / f"mod{index}.py").write_text(MODULE, encoding="utf-8")
    collections: list[str] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(f"generation {info['generation']}")

    gc.collect()
    gc.callbacks.append(watch)
    try:
        model = load_project([str(tmp_path)], cache_directory=False)
    finally:
        gc.callbacks.remove(watch)
    assert len(model.modules) == 30
    assert collections == []
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_summary_keeps_no_call_that_no_answer_depends_on() -> None:
    source = textwrap.dedent(
        """\
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def work(items, client):
            print(len(items))
            items.append(1)
            client.fetch(items)
            with tracer.start_as_current_span("inner"):
                print(items)
        """
    )
    work = summarise(source, "pkg.mod", "pkg/mod.py", False).functions["work"]
    calls = [call.callee for call in work.calls]
    # ``print(len(items))`` and ``items.append(1)`` go; the print inside the span stays, with it.
    assert calls == ["u:fetch", "m:pkg.mod.tracer|start_as_current_span", "b:print"]


def test_a_module_is_found_by_any_path_that_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "real" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "mod.py").write_text(MODULE, encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "elsewhere").mkdir()
    (tmp_path / "real" / "elsewhere" / "pkg").symlink_to(package)
    model = load_project([str(package)], cache_directory=False)
    module = model.by_path[os.path.realpath(package / "mod.py")]
    monkeypatch.chdir(tmp_path / "real")
    for path in (
        "pkg/mod.py",  # relative
        str(tmp_path / "link" / "pkg" / "mod.py"),  # through a link
        str(tmp_path / "real" / "elsewhere" / "pkg" / ".." / "pkg" / "mod.py"),  # ``..`` after a link
    ):
        assert model.module_at(path) is module, path
