"""Building the project model costs time in proportion to the project: nothing it makes per module
waits for the cyclic garbage collector."""

from __future__ import annotations

import gc
import textwrap

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
