"""How the fixer decides what to rewrite: the analysis's findings, in rounds, libcst only when needed."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from textwrap import dedent
from typing import Any

import pytest

from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.checker import analyze, analyze_source
from flake8_otel_context.fixer import engine, fixes
from flake8_otel_context.fixer.edits import Declined
from flake8_otel_context.fixer.engine import FixOptions, fix_source
from flake8_otel_context.fixer.fixes import token
from flake8_otel_context.fixer.shapes import Shapes
from flake8_otel_context.fixer.tree import FixTree
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


def _pairs_in_one_function(n: int) -> str:
    pair = "    token = otel_context.attach(ctx)\n    work(item)\n    otel_context.detach(token)\n"
    return "from opentelemetry import context as otel_context\n\n\ndef run(ctx, item):\n" + pair * n


def test_n_fixes_in_one_function_take_one_round(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewrites that touch different statements of one function are applied together: thirty
    attach/detach pairs cost one libcst tree, one rewrite, and one more analysis to prove it, not
    thirty of each (nor stop after ten rounds)."""
    analyses, trees = [], []

    def counted_analysis(*args: Any) -> list[Finding]:
        analyses.append(args)
        return analyze(*args)

    def counted_tree(*args: Any) -> FixTree:
        trees.append(args)
        return FixTree(*args)

    monkeypatch.setattr(engine, "analyze", counted_analysis)
    monkeypatch.setattr(engine, "FixTree", counted_tree)
    result = fix_source(_pairs_in_one_function(30))
    assert [f.code for f in result.fixed] == ["OTC302"] * 30
    assert (result.rounds, len(trees), len(analyses)) == (1, 1, 2)
    assert result.source.count("finally:") == 30
    assert fix_source(result.source).source == result.source


def test_rewrites_of_one_function_that_overlap_still_wait_for_the_next_round() -> None:
    """The detach moves around the loop, which holds a submit to fix: one covers the other, so the
    submit is planned again on the rewritten code (two rounds), as the re-analysis requires."""
    assert fix_source(NESTED).rounds == 2


def test_findings_declined_for_their_shape_never_reach_libcst(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token returned to the caller, a setter's attach, or a detach nested in other code is
    declined from the ast the analysis parsed and its anchors, with the reason the libcst plan
    gives: a file whose every finding is so declined is never parsed by libcst."""
    source = dedent(
        """\
        from opentelemetry import context as otel_context


        def enter(ctx):
            return otel_context.attach(ctx)


        def setter(request):
            otel_context.attach(request.ctx)


        def handle(ctx, job, done):
            token = otel_context.attach(ctx)
            job()
            if done:
                otel_context.detach(token)
        """
    )
    findings = [f for f in analyze_source(source) if f.code in token.CODES]
    planned = list(token.plan(findings, FixTree(source, "auto")))
    on_the_tree = sorted((d.finding, d.reason) for d in planned if isinstance(d, Declined))
    assert len(on_the_tree) == len(planned)
    shapes = Shapes(ast.parse(source), source.splitlines())
    settled = sorted((d.finding, d.reason) for d in token.settle(findings, shapes))
    assert [reason.split(" ")[0] for _, reason in settled] == ["the", "attach()", "detach(token)"]
    assert settled == on_the_tree

    def no_libcst(*args: object) -> None:
        raise AssertionError("libcst was used on a file whose every finding is declined")

    monkeypatch.setattr(engine, "FixTree", no_libcst)
    assert [(d.finding, d.reason) for d in fix_source(source).declined] == on_the_tree


# A try after attach() that holds every detach: whether the fix can fold them into its finally.
TRY_SHAPES = {
    "a detach on an early return, nested in the try": """
        async def wrapper(span, wrapped, streaming):
            token = otel_context.attach(set_span_in_context(span))
            try:
                response = await wrapped()
                if streaming:
                    otel_context.detach(token)
                    return Stream(response, span)
                span.end()
                otel_context.detach(token)
                return response
            except Exception as error:
                span.record_exception(error)
                otel_context.detach(token)
                raise
        """,
    "an except clause that detaches and swallows": """
        def swallow(ctx, job):
            token = otel_context.attach(ctx)
            try:
                job()
            except ValueError:
                otel_context.detach(token)
                log()
        """,
    "work between attach and a try with except clauses": """
        def prepared(ctx, job):
            token = otel_context.attach(ctx)
            job.prepare()
            try:
                job()
            except ValueError:
                otel_context.detach(token)
                raise
            finally:
                otel_context.detach(token)
        """,
    "a detach that folds into finally": """
        def folds(ctx, job):
            token = otel_context.attach(ctx)
            try:
                job()
            except Exception:
                otel_context.detach(token)
                raise
            otel_context.detach(token)
        """,
    "an except clause on one line (left to libcst)": """
        def suite(ctx, job):
            token = otel_context.attach(ctx)
            try:
                job()
            except Exception: otel_context.detach(token); raise
        """,
}
SETTLED_BEFORE_LIBCST = {
    "a detach on an early return, nested in the try",
    "an except clause that detaches and swallows",
    "work between attach and a try with except clauses",
}


@pytest.mark.parametrize("shape", list(TRY_SHAPES))
def test_a_try_holding_every_detach_is_judged_on_the_ast_as_on_the_libcst_tree(shape: str) -> None:
    """The fold's refusals (a detach nested deeper, an except clause that does not re-raise, work
    that would fall into an except clause) are given from the ast with libcst's very reason; a
    fold that goes ahead, or a block the two trees list differently, is left to libcst."""
    source = "from opentelemetry import context as otel_context\n\n\n" + dedent(TRY_SHAPES[shape])
    findings = [f for f in analyze_source(source) if f.code in token.CODES]
    assert findings
    planned = list(token.plan(findings, FixTree(source, "auto")))
    on_the_tree = sorted((d.finding, d.reason) for d in planned if isinstance(d, Declined))
    shapes = Shapes(ast.parse(source), source.splitlines())
    settled = sorted((d.finding, d.reason) for d in token.settle(findings, shapes))
    if shape in SETTLED_BEFORE_LIBCST:
        assert settled == on_the_tree and len(settled) == len(findings)
    else:
        assert settled == []


def test_what_is_left_when_the_rounds_run_out_is_declined_not_reported_as_rewritten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A report (JSON, SARIF, the summary) reads every finding without a reason as rewritten: one the
    fixer had no round left for must say so."""
    monkeypatch.setattr(engine, "_MAX_ROUNDS", 1)

    result = fix_source(NESTED)

    assert result.rounds == 1
    left = [item for item in result.declined if item.reason.startswith("left after 1 rounds")]
    assert [item.finding.code for item in left] == ["OTC302"]
    assert all(reason is not None for finding, reason in result.in_input() if finding.code == "OTC302")
