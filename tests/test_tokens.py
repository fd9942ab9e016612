"""Which detach belongs to which attach, decided once (analysis/tokens.py) for both rules and the fixer."""

from __future__ import annotations

from textwrap import dedent

from flake8_otel_context.analysis.findings import Anchor
from flake8_otel_context.checker import analyze_source
from flake8_otel_context.fixer.engine import fix_source


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
