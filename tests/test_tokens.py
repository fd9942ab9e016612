"""Which detach belongs to which attach, decided once (analysis/tokens.py) for both rules and the fixer."""

from __future__ import annotations

import ast
from pathlib import Path
from textwrap import dedent

from flake8_otel_context.analysis.findings import Anchor
from flake8_otel_context.analysis.settings import Settings
from flake8_otel_context.checker import analyze, analyze_source
from flake8_otel_context.fixer.engine import fix_source
from flake8_otel_context.project.load import load_project


def otc302(source: str) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in analyze_source(dedent(source), codes=("OTC302",))]


def test_a_detach_on_the_attach_s_own_line_is_found_by_position_not_line() -> None:
    [(line, message)] = otc302(
        """\
        from opentelemetry import context as otel_context

        def run(ctx):
            token = otel_context.attach(ctx); work(); otel_context.detach(token)
        """
    )
    assert line == 4
    assert "this detach is skipped when the code after attach() (line 4) raises" in message


def test_the_finding_hands_the_fixer_every_detach_of_its_attach() -> None:
    source = dedent(
        """\
        from opentelemetry import context as otel_context

        def run(ctx, fail):
            token = otel_context.attach(ctx)
            if fail:
                otel_context.detach(token)
                raise ValueError
            work()
            otel_context.detach(token)
        """
    )
    findings = analyze_source(source, codes=("OTC302",))
    assert [f.line for f in findings] == [6, 9]
    assert all([d.line for d in f.anchored(Anchor.DETACH)] == [6, 9] for f in findings)
    result = fix_source(source)
    assert result.source == source  # the early detach must move by hand; the fixer names it
    assert {d.reason for d in result.declined} == {
        "detach(token) at line 6 is nested in other code; move it into a finally that covers "
        "everything after attach() by hand"
    }


def test_a_token_kept_on_self_and_detached_in_exit_is_the_class_s_business() -> None:
    assert not otc302(
        """\
        from opentelemetry import context as otel_context

        class Scope:
            def __init__(self, ctx):
                self._token = otel_context.attach(ctx)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                otel_context.detach(self._token)
        """
    )


def test_a_token_kept_on_self_that_no_exit_detaches_is_reported() -> None:
    [(line, message)] = otc302(
        """\
        from opentelemetry import context as otel_context

        class Hooks:
            def on_start(self, ctx):
                self._token = otel_context.attach(ctx)

            def on_end(self):
                otel_context.detach(self._token)
        """
    )
    assert line == 5 and "stored in self._token" in message


def test_a_class_that_attaches_at_construction_and_is_returned_without_with_is_reported() -> None:
    """A stream wrapper handed to a caller who iterates it: nothing runs its __exit__."""
    [(line, message)] = otc302(
        """\
        from opentelemetry import context as otel_context

        class Stream:
            def __init__(self, response, ctx):
                self._response = response
                self._token = otel_context.attach(ctx)

            def __exit__(self, *exc):
                otel_context.detach(self._token)

        def create(response, ctx):
            return Stream(response, ctx)
        """
    )
    assert line == 6 and "stored in self._token" in message


# Callback pairs: an attach in a start hook, the detach in the end hook. Reported only where the
# framework can skip the end hook or run it elsewhere, and the message says which.


def test_a_signal_pair_whose_end_hook_celery_sends_in_a_finally_is_not_reported() -> None:
    assert not otc302(
        """\
        from celery import signals
        from opentelemetry import context as otel_context

        class Instrumentor:
            def instrument(self):
                signals.task_prerun.connect(self._prerun)
                signals.task_postrun.connect(self._postrun)

            def _prerun(self, task_id, ctx):
                token = otel_context.attach(ctx)
                self._tokens[task_id] = token

            def _postrun(self, task_id):
                otel_context.detach(self._tokens.pop(task_id))
        """
    )


def test_a_signal_pair_whose_end_hook_is_skipped_on_error_says_so() -> None:
    [(line, message)] = otc302(
        """\
        from celery.signals import after_task_publish, before_task_publish
        from opentelemetry import context as otel_context

        @before_task_publish.connect
        def before(headers, ctx):
            headers["token"] = otel_context.attach(ctx)

        @after_task_publish.connect
        def after(headers):
            otel_context.detach(headers["token"])
        """
    )
    assert line == 6
    assert "detached in after(): celery does not send after_task_publish when the publish raises" in message


def test_a_span_processor_pair_says_its_end_hook_runs_wherever_the_span_ends() -> None:
    [(line, message)] = otc302(
        """\
        from opentelemetry import context as otel_context
        from opentelemetry.sdk.trace import SpanProcessor

        class Processor(SpanProcessor):
            def on_start(self, span, parent_context=None):
                self._token = otel_context.attach(parent_context)

            def on_end(self, span):
                otel_context.detach(self._token)
        """
    )
    assert line == 6 and "detached in on_end(): the SDK calls on_end wherever the span is ended" in message


def test_an_agents_sdk_processor_pair_is_not_reported() -> None:
    """The Agents SDK finishes every trace and span it starts, in one task, on every path."""
    assert not otc302(
        """\
        from agents.tracing import TracingProcessor
        from opentelemetry import context as otel_context

        class Processor(TracingProcessor):
            def on_span_start(self, span):
                token = otel_context.attach(self._context_for(span))
                self._entries[span.span_id] = token

            def on_span_end(self, span):
                otel_context.detach(self._entries.pop(span.span_id))
        """
    )


def test_a_dspy_callback_pair_is_not_reported_dspy_runs_the_end_handlers_in_a_finally() -> None:
    """dspy's ``with_callbacks`` runs the start handlers, then the call, then the end handlers in
    a ``finally`` of the same frame; a helper shared by every start hook is judged through them."""
    assert not otc302(
        """\
        from dspy.utils.callback import BaseCallback
        from opentelemetry import context as otel_context

        class Handler(BaseCallback):
            def _open(self, call_id, span):
                self._tokens[call_id] = otel_context.attach(self._context_for(span))

            def _close(self, call_id):
                otel_context.detach(self._tokens.pop(call_id))

            def on_module_start(self, call_id, instance, inputs):
                self._open(call_id, self._start("module"))

            def on_module_end(self, call_id, outputs, exception=None):
                self._close(call_id)

            def on_lm_start(self, call_id, instance, inputs):
                self._open(call_id, self._start("lm"))

            def on_lm_end(self, call_id, outputs, exception=None):
                self._close(call_id)
        """
    )


def test_a_pair_the_module_cannot_place_names_its_end_hook_and_both_risks() -> None:
    [(line, message)] = otc302(
        """\
        from opentelemetry import context as otel_context

        class Handler:
            def on_run_start(self, run_id, ctx):
                self._start(run_id, ctx)

            def on_run_end(self, run_id):
                self._end(run_id)

            def _start(self, run_id, ctx):
                self._tokens[run_id] = otel_context.attach(ctx)

            def _end(self, run_id):
                otel_context.detach(self._tokens.pop(run_id))
        """
    )
    assert line == 11
    assert "detached in _end(): nothing here shows it runs on every path" in message
    assert "skipped when the work raises, or run in another thread or task" in message


def test_hooks_reached_only_from_a_context_manager_s_enter_and_exit_are_a_with_block() -> None:
    """The methods that attach and detach are not __enter__/__exit__ themselves: each is followed
    through the module's calls to the hooks the language calls."""
    source = """\
        from opentelemetry import context as otel_context

        class RunContext:
            def start(self, ctx):
                self._tokens.append(otel_context.attach(ctx))

            def end(self):
                otel_context.detach(self._tokens.pop())

        class Enter:
            def __enter__(self):
                self._run.start(self._ctx)

            def __exit__(self, *exc):
                self._run.end()
        """
    assert not otc302(source)
    [(line, message)] = otc302(source + "\n        def elsewhere(run, ctx):\n            run.start(ctx)\n")
    assert line == 5 and "detached in end()" in message


def test_a_detach_in_a_returned_generator_is_reported_where_it_is_not_at_the_attach() -> None:
    """Both detaches miss a run that raises; the generator's runs only when and where it is consumed."""
    source = dedent(
        """\
        from opentelemetry import context as otel_context

        def run(ctx, stream):
            token = otel_context.attach(ctx)
            output = work()
            if stream:
                def chunks():
                    try:
                        yield from output
                    finally:
                        otel_context.detach(token)
                return chunks()
            try:
                return list(output)
            finally:
                otel_context.detach(token)
        """
    )
    findings = analyze_source(source, codes=("OTC302",))
    assert [f.line for f in findings] == [11, 16]
    assert "runs only when the nested function holding it is called" in findings[0].message
    assert fix_source(source).source == source  # moving a detach out of the generator is a person's call


def test_a_hook_s_framework_is_known_through_a_project_base_class_in_another_module(tmp_path: Path) -> None:
    """``Processor(BaseProcessor)`` where ``BaseProcessor(TracingProcessor)`` lives in another module:
    the project model sees the framework base the file alone cannot."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "base.py").write_text(
        "from agents.tracing import TracingProcessor\n\nclass BaseProcessor(TracingProcessor):\n    pass\n",
        encoding="utf-8",
    )
    processor = package / "processor.py"
    processor.write_text(
        dedent(
            """\
            from opentelemetry import context as otel_context
            from pkg.base import BaseProcessor

            class Processor(BaseProcessor):
                def on_trace_start(self, trace):
                    self._token = otel_context.attach(self._context_for(trace))

                def on_trace_end(self, trace):
                    otel_context.detach(self._token)
            """
        ),
        encoding="utf-8",
    )
    source = processor.read_text(encoding="utf-8")
    tree = ast.parse(source)
    alone = analyze(tree, source, Settings(), None, None, str(processor))
    model = load_project([str(tmp_path)], cache_directory=False)
    with_project = analyze(tree, source, Settings(), None, model, str(processor))
    assert [f.code for f in alone] == ["OTC302"]
    assert [f.code for f in with_project if f.code == "OTC302"] == []


def test_a_langchain_handler_pair_says_its_hooks_run_in_copied_contexts() -> None:
    [(line, message)] = otc302(
        """\
        from langchain_core.callbacks import BaseCallbackHandler
        from opentelemetry import context as otel_context

        class Handler(BaseCallbackHandler):
            def on_chain_start(self, serialized, inputs, *, run_id, **kwargs):
                self._tokens[run_id] = otel_context.attach(self._context(run_id))

            def on_chain_end(self, outputs, *, run_id, **kwargs):
                otel_context.detach(self._tokens.pop(run_id))
        """
    )
    assert line == 6
    assert "detached in on_chain_end(): in an async run LangChain calls each hook" in message


def test_a_pytest_plugin_s_session_hooks_are_a_pair_pytest_ends_in_a_finally() -> None:
    assert not otc302(
        """\
        from opentelemetry import context as otel_context

        def pytest_sessionstart(session):
            session.stash[KEY] = otel_context.attach(parent_context())

        def pytest_sessionfinish(session, exitstatus):
            otel_context.detach(session.stash[KEY])
        """
    )


def test_an_attach_that_ends_its_try_reaches_the_covering_finally_with_nothing_in_between() -> None:
    covered = """\
        from opentelemetry import context as otel_context

        def wrapper(environ, handler):
            token = None
            try:
                if environ:
                    token = otel_context.attach(extract(environ))
            except Exception:
                token = None
            try:
                return handler(environ)
            finally:
                if token is not None:
                    otel_context.detach(token)
        """
    assert otc302(covered) == []
    # Work after the attach, inside the same ``try``, may fail into the handler: still reported.
    work_after = covered.replace(
        "token = otel_context.attach(extract(environ))",
        "token = otel_context.attach(extract(environ))\n                    setup(environ)",
    )
    assert [line for line, _ in otc302(work_after)] == [15]
