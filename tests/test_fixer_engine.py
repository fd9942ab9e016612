"""How the fixer decides what to rewrite: the analysis's findings, in rounds, libcst only when needed."""

from __future__ import annotations

import importlib
import pkgutil
from textwrap import dedent

import pytest

from flake8_otel_context.fixer import engine, fixes
from flake8_otel_context.fixer.engine import FixOptions, fix_source
from flake8_otel_context.rules import RULES, RULES_BY_CODE

NESTED = dedent(
    """\
    from concurrent.futures import ThreadPoolExecutor

    from opentelemetry import context as otel_context


    def handle(ctx, pool: ThreadPoolExecutor, jobs):
        token = otel_context.attach(ctx)
        for job in jobs:
            pool.submit(run, job)
        otel_context.detach(token)
    """
)


def test_files_without_findings_are_never_parsed_by_libcst(monkeypatch: pytest.MonkeyPatch) -> None:
    """libcst is several times slower than ast: only files with something to fix may pay for it."""

    def no_libcst(*args: object) -> None:
        raise AssertionError("libcst was used on a file with nothing to fix")

    monkeypatch.setattr(engine, "FixTree", no_libcst)
    source = "from opentelemetry import trace\n\ndef f():\n    return trace.get_current_span()\n"
    assert fix_source(source).source == source
    assert fix_source("import threading\n").source == "import threading\n"


def test_a_rewrite_inside_another_lands_in_a_later_round() -> None:
    """The detach moves into a finally around the loop, and the submit inside it is fixed too."""
    result = fix_source(NESTED)
    assert sorted(f.code for f in result.fixed) == ["OTC102", "OTC302"]
    assert result.source == dedent(
        """\
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        from opentelemetry import context as otel_context


        def handle(ctx, pool: ThreadPoolExecutor, jobs):
            token = otel_context.attach(ctx)
            try:
                for job in jobs:
                    pool.submit(contextvars.copy_context().run, run, job)
            finally:
                otel_context.detach(token)
        """
    )
    assert fix_source(result.source).source == result.source


def test_selection_limits_the_rewrites() -> None:
    result = fix_source(NESTED, FixOptions(codes=frozenset({"OTC302"})))
    assert [f.code for f in result.fixed] == ["OTC302"]
    assert "pool.submit(run, job)" in result.source


def test_rules_without_a_rewrite_are_reported_with_their_reason() -> None:
    source = dedent(
        """\
        from concurrent.futures import ProcessPoolExecutor

        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)


        def handle(pool: ProcessPoolExecutor):
            with tracer.start_as_current_span("handle"):
                pool.submit(work)
        """
    )
    result = fix_source(source)
    assert result.source == source
    assert [(d.finding.code, d.reason) for d in result.declined] == [
        ("OTC104", RULES_BY_CODE["OTC104"].not_fixable)
    ]


def test_a_file_level_flake8_noqa_leaves_the_file_alone() -> None:
    source = "# flake8: noqa\n" + NESTED
    assert fix_source(source).source == source


def test_code_that_does_not_parse_raises_for_the_caller_to_report() -> None:
    with pytest.raises(SyntaxError):
        fix_source("from opentelemetry import trace\ndef broken(:\n")


def test_each_fixable_rule_is_fixed_by_exactly_one_fix_module() -> None:
    """A rule whose reference promises a rewrite has one fix module, and a fix module fixes rules."""
    claims: dict[str, list[str]] = {}
    for module in pkgutil.iter_modules(fixes.__path__):
        for code in importlib.import_module(f"{fixes.__name__}.{module.name}").CODES:
            claims.setdefault(code, []).append(module.name)
    promised = {rule.code for rule in RULES if rule.fix is not None}
    assert set(claims) == promised
    assert all(len(modules) == 1 for modules in claims.values()), claims
