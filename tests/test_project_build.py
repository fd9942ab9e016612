"""Building the project model, and analysing a file, cost time in proportion to their input: nothing
they make waits for the cyclic garbage collector."""

from __future__ import annotations

import ast
import gc
import textwrap

import pytest

from flake8_otel_context import checker
from flake8_otel_context.analysis.facts import ModuleFacts
from flake8_otel_context.analysis.walker import collect_facts
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
