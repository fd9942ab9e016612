"""The advice in a message is code that runs: OTC210's advised forms, executed under the SDK on the
Python running the tests (tox runs them on every supported one), keep the span tree whole."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from fixture_files import run_program
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
