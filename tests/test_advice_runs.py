"""The advice in a message is code that runs: OTC210's advised forms, executed under the SDK on the
Python running the tests (tox runs them on every supported one), keep the span tree whole."""

from __future__ import annotations

import sys
from pathlib import Path
from textwrap import dedent

import pytest

from fixture_files import FIXTURES, run_program, span_tree
from flake8_otel_context.checker import analyze_source
from flake8_otel_context.rules.otc210_explicit_propagation import ADVICE

HEADER = """\
import asyncio
import contextvars

from opentelemetry import context as otel_context
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

EXPECTED_PARENTS = {"request": None, "fetch": "request"}


async def fetch(ctx):
    token = otel_context.attach(ctx)
    try:
        with tracer.start_as_current_span("fetch"):
            await asyncio.sleep(0)
    finally:
        otel_context.detach(token)


def fetch_in_a_thread():
    with tracer.start_as_current_span("fetch"):
        pass


"""

# Each call OTC210 reports, written the way its message advises; the advised call is on its own line.
ADVISED = {
    "create_task": "await asyncio.create_task(fetch(otel_context.get_current()))",
    "ensure_future": "await asyncio.ensure_future(fetch(otel_context.get_current()))",
    "gather": "await asyncio.gather(*(fetch(otel_context.get_current()) for _ in range(2)))",
    "to_thread": "await asyncio.to_thread(contextvars.copy_context().run, fetch_in_a_thread)",
}
# What the message must name for each, so the tested form is the advised one.
NAMED = {
    "create_task": "pass otel_context.get_current() to the coroutine and attach it there",
    "ensure_future": "pass otel_context.get_current() to the coroutine and attach it there",
    "gather": "pass otel_context.get_current() to each coroutine and attach it there",
    "to_thread": "asyncio.to_thread(contextvars.copy_context().run, fn, *args)",
}


def program(call: str) -> str:
    return HEADER + dedent(
        f"""\
        async def main():
            with tracer.start_as_current_span("request"):
                {ADVISED[call]}


        asyncio.run(main())
        """
    )


@pytest.mark.parametrize("call", sorted(ADVICE))
def test_the_advised_form_keeps_the_span_tree_whole(call: str, tmp_path: Path) -> None:
    path = tmp_path / f"advised_{call}.py"
    path.write_text(program(call), encoding="utf-8")
    assert run_program(path)["mismatches"] == []


@pytest.mark.parametrize("call", sorted(ADVICE))
def test_the_message_advises_that_form(call: str) -> None:
    implicit = {
        "create_task": "asyncio.create_task(fetch(None))",
        "ensure_future": "asyncio.ensure_future(fetch(None))",
        "gather": "asyncio.gather(fetch(None))",
        "to_thread": "asyncio.to_thread(fetch_in_a_thread)",
    }[call]
    source = HEADER + dedent(
        f"""\
        async def main():
            with tracer.start_as_current_span("request"):
                await {implicit}
        """
    )
    [finding] = analyze_source(source, codes=("OTC210",))
    assert NAMED[call] in finding.message
    # Only create_task takes a context, and only from Python 3.11: the message says so.
    assert ("context=" in finding.message) is (call == "create_task")
    assert "from Python 3.11" in finding.message or call != "create_task"


# The rules the fixer leaves to a person: each form their messages advise, and the reviewed clean
# fixture written that way. Every fixture runs under the SDK (test_fixtures.py); here each advised
# form is tied to its message and to a program that shows it keeps the span tree whole.
ADVISED_BY_FIXTURE = [
    ("OTC104", "propagate.inject(carrier)", "OTC104/clean_process_pool_submit_carrier", "inject("),
    ("OTC303", "end the span before yielding", "OTC303/clean_generator_yields_outside_span", "yield"),
    ("OTC303", "a @contextmanager", "OTC303/clean_contextmanager_span", "contextmanager\n"),
    ("OTC402", "copy the context per call", "OTC402/clean_submit_loop_fresh_copy", "copy_context()"),
    ("OTC402", "attach an OpenTelemetry context", "OTC402/clean_pool_map_otel_context_per_call", "attach("),
    ("OTC202", "create the task inside the span", "OTC202/clean_task_created_inside_span", "create_task("),
    (
        "OTC202",
        "copy the context inside the span",
        "OTC202/clean_create_task_context_copied_inside",
        "copy_context()",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("code", "advice", "fixture", "construct"), ADVISED_BY_FIXTURE)
def test_each_advised_form_of_the_rules_left_to_a_person_runs_whole(
    code: str,
    advice: str,
    fixture: str,
    construct: str,
    fixture_span_trees: dict[str, dict[str, object] | Exception],
) -> None:
    from flake8_otel_context.rules import RULES_BY_CODE

    rule = RULES_BY_CODE[code]
    source_of_rule = Path(sys.modules[rule.check.__module__].__file__ or "").read_text(encoding="utf-8")
    assert advice in rule.message or advice in source_of_rule  # the message, or its per-case advice
    path = FIXTURES / f"{fixture}.py"
    program = path.read_text(encoding="utf-8")
    assert construct in program
    assert analyze_source(program, codes=(code,)) == []
    if fixture not in fixture_span_trees:  # its REQUIRES_PYTHON (create_task(context=) is 3.11+)
        pytest.skip(f"{fixture} does not run on this Python")
    assert span_tree(fixture_span_trees[fixture])["mismatches"] == []
