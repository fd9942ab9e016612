"""``pytest --otel-context``: the run-time sanitizer, specified by running test suites under it.

Each suite here is a small project of its own, run by pytester in a fresh interpreter (the plugin
patches the process it runs in), with the plugin found through its ``pytest11`` entry point, as a
user gets it from ``pip install``.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from fixture_files import ALL

pytest_plugins = ["pytester"]

RUNTIME_RULES = ("OTC101", "OTC102", "OTC103", "OTC301", "OTC302")

RUN_EACH_PROGRAM = '''
import contextvars, pathlib, runpy
import pytest

HERE = pathlib.Path(__file__).parent

@pytest.mark.parametrize("name", sorted(p.name for p in HERE.glob("OTC*.py")))
def test_program(name):
    # Each program runs in a copy of the context, so one that leaks an attached context cannot
    # change the spans of the next.
    contextvars.copy_context().run(runpy.run_path, str(HERE / name), run_name="__main__")
'''


def run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, list[dict[str, Any]]]:
    """Run the suite in ``pytester.path`` under the plugin; the outcome and the JSON findings."""
    report = pytester.path / "otel-context.json"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--otel-context-report={report}", *args)
    findings = json.loads(report.read_text())["results"] if report.exists() else []
    return result, findings


def places(findings: list[dict[str, Any]]) -> set[tuple[str, int, str]]:
    return {(f["file"], f["line"], f["code"]) for f in findings}


@pytest.mark.slow
def test_every_fire_fixture_is_reported_at_the_linters_line_and_no_clean_one(
    pytester: pytest.Pytester,
) -> None:
    fixtures = [f for f in ALL if f.rule in RUNTIME_RULES and f.runs_here()]
    expected = set()
    for fixture in fixtures:
        name = f"{fixture.rule}__{fixture.path.name}"
        shutil.copy(fixture.path, pytester.path / name)
        expected |= {(name, line, code) for line, code in fixture.expected_findings()}
    pytester.makepyfile(test_programs=RUN_EACH_PROGRAM)

    result, findings = run(pytester, "--otel-context")

    result.assert_outcomes(passed=len(fixtures))
    assert places(findings) == expected


SUBMIT_UNDER_A_SPAN = '''
from concurrent.futures import ThreadPoolExecutor
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def fetch():
    with tracer.start_as_current_span("GET"):
        return 1

def build():
    with tracer.start_as_current_span("GET /report"):
        with ThreadPoolExecutor(2) as pool:
            return pool.submit(fetch).result()
'''


TEST_BUILD = "from reports import build\n\ndef test_build():\n    assert build() == 1\n"


def test_a_lost_span_is_reported_with_the_call_the_spans_and_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(reports=SUBMIT_UNDER_A_SPAN)
    pytester.makepyfile(test_reports=TEST_BUILD)

    result, findings = run(pytester, "--otel-context")

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*lost OpenTelemetry context*",
            "reports.py:13:20: OTC102 submit() lost span 'GET /report': worker span 'GET' started a new "
            "trace (first seen in test_reports.py::test_build, once)",
        ]
    )
    (finding,) = findings
    assert finding["tests"] == ["test_reports.py::test_build"]
    assert (finding["column"], finding["rule"]) == (20, "executor-loses-context")


def test_it_does_nothing_unless_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(reports=SUBMIT_UNDER_A_SPAN)
    pytester.makepyfile(test_reports=TEST_BUILD)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)
    assert "lost OpenTelemetry context" not in result.stdout.str()


def test_the_ini_option_turns_it_on(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\notel_context = true\n")
    pytester.makepyfile(reports=SUBMIT_UNDER_A_SPAN)
    pytester.makepyfile(test_reports=TEST_BUILD)

    result, findings = run(pytester)

    assert places(findings) == {("reports.py", 13, "OTC102")}


def test_strict_mode_fails_the_test_with_the_finding_as_its_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(reports=SUBMIT_UNDER_A_SPAN)
    pytester.makepyfile(
        test_reports=(
            "from reports import build\n\n"
            "def test_build():\n    assert build() == 1\n\n"
            "def test_nothing_crosses():\n    assert True\n"
        )
    )

    result, _ = run(pytester, "--otel-context", "--otel-context-strict")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*lost OpenTelemetry context:", "reports.py:13:20: OTC102 submit() lost span*"]
    )


def test_the_tests_own_provider_and_exporter_see_what_they_would_without_it(
    pytester: pytest.Pytester,
) -> None:
    """Observe only: the suite's provider is used, its exporter gets every span with the parents the
    program really gives them, and the loss is still reported."""
    pytester.makepyfile(reports=SUBMIT_UNDER_A_SPAN)
    pytester.makeconftest(
        """
        import pytest
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        EXPORTER = InMemorySpanExporter()

        @pytest.fixture(scope="session", autouse=True)
        def provider():
            tracer_provider = TracerProvider()
            tracer_provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
            trace.set_tracer_provider(tracer_provider)
        """
    )
    pytester.makepyfile(
        test_reports="""
        from conftest import EXPORTER
        from reports import build

        def test_build():
            assert build() == 1
            spans = {span.name: span for span in EXPORTER.get_finished_spans()}
            assert set(spans) == {"GET", "GET /report"}
            assert spans["GET"].parent is None  # the program loses it; the plugin does not hide that
        """
    )

    for flags in ((), ("--otel-context",)):
        result, findings = run(pytester, *flags)
        result.assert_outcomes(passed=1)
    assert places(findings) == {("reports.py", 13, "OTC102")}


def test_carried_contexts_workers_without_spans_and_long_lived_threads_are_not_losses(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        service="""
        import contextvars, queue, threading
        from concurrent.futures import ThreadPoolExecutor
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)
        JOBS = queue.Queue()

        def fetch():
            with tracer.start_as_current_span("GET"):
                return 1

        def compute():
            return sum(range(10))

        def serve():
            while True:
                job = JOBS.get()
                if job is None:
                    return
                with tracer.start_as_current_span(f"job {job}"):
                    pass

        def handle():
            with tracer.start_as_current_span("request"):
                with ThreadPoolExecutor(2) as pool:
                    assert pool.submit(contextvars.copy_context().run, fetch).result() == 1
                    assert pool.submit(compute).result() == 45

        def serve_after_start_up():
            with tracer.start_as_current_span("start-up"):
                server = threading.Thread(target=serve, daemon=True)
                server.start()
            for job in (1, 2, 3):
                JOBS.put(job)
            JOBS.put(None)
            server.join()
        """
    )
    pytester.makepyfile(
        test_service="""
        from service import handle, serve_after_start_up

        def test_handle():
            handle()

        def test_server():
            serve_after_start_up()
        """
    )

    result, findings = run(pytester, "--otel-context")

    result.assert_outcomes(passed=2)
    assert findings == []


def test_a_detach_in_another_thread_is_reported_at_the_attach(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        hooks="""
        import threading
        from opentelemetry import context, trace

        tracer = trace.get_tracer(__name__)
        TOKENS = {}

        def on_start(run_id):
            TOKENS[run_id] = context.attach(trace.set_span_in_context(tracer.start_span("run")))

        def on_end(run_id):
            context.detach(TOKENS.pop(run_id))

        def run_once():
            on_start(1)
            ender = threading.Thread(target=on_end, args=(1,))
            ender.start()
            ender.join()
        """
    )
    pytester.makepyfile(test_hooks="from hooks import run_once\n\ndef test_run():\n    run_once()\n")

    result, findings = run(pytester, "--otel-context")

    result.assert_outcomes(passed=1)
    (finding,) = findings
    assert (finding["file"], finding["line"], finding["code"]) == ("hooks.py", 8, "OTC302")
    assert "failed (ValueError" in finding["message"]


def test_no_findings_still_says_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nothing="def test_nothing():\n    assert True\n")

    result, findings = run(pytester, "--otel-context")

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*lost OpenTelemetry context*", "no span was lost*"])
    assert findings == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths in the expected output")
def test_the_report_path_is_written_even_when_tests_fail(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_failing="def test_failing():\n    assert False\n")

    result, findings = run(pytester, "--otel-context")

    result.assert_outcomes(failed=1)
    assert findings == [] and Path(pytester.path / "otel-context.json").exists()


def test_boundaries_that_copy_the_context_are_quiet_and_a_thread_subclass_is_watched(
    pytester: pytest.Pytester,
) -> None:
    """``to_thread`` and an explicit ``ctx.run`` carry the span; a ``Thread`` subclass does not, and is
    reported where it is built. A worker's exception reaches the caller unchanged."""
    pytester.makepyfile(
        service="""
        import asyncio, contextvars, functools, threading
        from concurrent.futures import ThreadPoolExecutor
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)

        def fetch():
            with tracer.start_as_current_span("GET"):
                return 1

        def fail():
            with tracer.start_as_current_span("GET"):
                raise KeyError("missing")

        class Refresher(threading.Thread):
            def run(self):
                fetch()

        async def in_a_thread():
            with tracer.start_as_current_span("request"):
                return await asyncio.to_thread(fetch)

        async def in_the_default_pool():
            with tracer.start_as_current_span("request"):
                loop = asyncio.get_running_loop()
                carried = functools.partial(contextvars.copy_context().run, fetch)
                return await loop.run_in_executor(None, carried)

        def refresh():
            with tracer.start_as_current_span("request"):
                refresher = Refresher()
                refresher.start()
                refresher.join()

        def failing():
            with tracer.start_as_current_span("request"):
                with ThreadPoolExecutor(1) as pool:
                    return pool.submit(fail).result()
        """
    )
    pytester.makepyfile(
        test_service="""
        import asyncio, pytest, service

        def test_to_thread():
            assert asyncio.run(service.in_a_thread()) == 1

        def test_copied_context():
            assert asyncio.run(service.in_the_default_pool()) == 1

        def test_thread_subclass():
            service.refresh()

        def test_the_workers_exception_is_the_callers():
            with pytest.raises(KeyError, match="missing"):
                service.failing()
        """
    )

    result, findings = run(pytester, "--otel-context")

    result.assert_outcomes(passed=4)
    assert places(findings) == {("service.py", 31, "OTC103"), ("service.py", 38, "OTC102")}
    assert {f["message"].split(" lost ")[0] for f in findings} == {"OTC103 Refresher()", "OTC102 submit()"}


def test_pytest_xdist_workers_findings_are_reported_once_by_the_controller(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(reports=SUBMIT_UNDER_A_SPAN)
    tests = (f"def test_build_{n}():\n    assert build() == 1\n\n" for n in range(4))
    pytester.makepyfile(test_reports="from reports import build\n\n" + "".join(tests))

    result, findings = run(pytester, "--otel-context", "-n", "2")

    result.assert_outcomes(passed=4)
    (finding,) = findings
    assert finding["times"] == 4
    assert sorted(finding["tests"]) == [f"test_reports.py::test_build_{n}" for n in range(4)]
    result.stdout.fnmatch_lines(["reports.py:13:20: OTC102 submit() lost span 'GET /report'*4 times)"])


def test_a_thread_subclass_with_its_own_init_is_reported_where_it_is_built(pytester: pytest.Pytester) -> None:
    """Thread.__init__ is called from the subclass's ``super().__init__()``; the report names the
    subclass at the line that builds it, not ``super()`` inside the class (where nothing is wrong)."""
    pytester.makepyfile(
        worker="""
        import threading
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)

        class Worker(threading.Thread):
            def __init__(self, name):
                super().__init__(name=name, daemon=True)

            def run(self):
                with tracer.start_as_current_span("work"):
                    pass

        def handle():
            with tracer.start_as_current_span("request"):
                worker = Worker("w")
                worker.start()
                worker.join()
        """
    )
    pytester.makepyfile(test_worker="from worker import handle\n\ndef test_handle():\n    handle()\n")

    result, findings = run(pytester, "--otel-context")

    result.assert_outcomes(passed=1)
    (finding,) = findings
    where = (finding["file"], finding["line"], finding["column"], finding["code"])
    assert where == ("worker.py", 16, 18, "OTC103")
    assert finding["message"].startswith("OTC103 Worker() lost span 'request'")


def test_a_worker_that_picks_its_parent_is_not_a_loss_and_one_that_inherits_a_stale_span_is(
    pytester: pytest.Pytester,
) -> None:
    """A consumer that continues its message's trace (``context=`` extracted from the message) chose its
    parent: carrying the caller's context would change nothing. A worker whose span joins whatever an
    earlier task left attached on the pool thread did lose the caller's span."""
    pytester.makepyfile(
        consumer="""
        import queue
        from concurrent.futures import ThreadPoolExecutor
        from opentelemetry import context, propagate, trace

        tracer = trace.get_tracer(__name__)
        MESSAGES = queue.Queue()

        def produce():
            with tracer.start_as_current_span("publish"):
                headers = {}
                propagate.inject(headers)
                MESSAGES.put(headers)

        def consume_one():
            parent = propagate.extract(MESSAGES.get())
            with tracer.start_as_current_span("process", context=parent):
                return 1

        def poll():
            produce()
            with tracer.start_as_current_span("poll"):
                with ThreadPoolExecutor(1) as pool:
                    return pool.submit(consume_one).result()

        def leave_a_span_attached():
            context.attach(trace.set_span_in_context(tracer.start_span("stale")))

        def fetch():
            with tracer.start_as_current_span("GET"):
                return 1

        def handle():
            with ThreadPoolExecutor(1) as pool:
                pool.submit(leave_a_span_attached).result()
                with tracer.start_as_current_span("request"):
                    return pool.submit(fetch).result()
        """
    )
    pytester.makepyfile(
        test_consumer="""
        import consumer

        def test_poll():
            assert consumer.poll() == 1

        def test_handle():
            assert consumer.handle() == 1
        """
    )

    result, findings = run(pytester, "--otel-context")

    result.assert_outcomes(passed=2)
    lost = [f for f in findings if f["code"] == "OTC102"]
    assert [(f["line"], f["message"]) for f in lost] == [
        (36, "OTC102 submit() lost span 'request': worker span 'GET' joined another trace")
    ]
