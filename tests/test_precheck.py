"""The text pre-check runs a rule only in files holding the words it needs; each rule declares them."""

from __future__ import annotations

from flake8_otel_context.analysis.precheck import TRACING_WORDS, may_match
from flake8_otel_context.analysis.settings import SpanScope
from flake8_otel_context.checker import analyze_source
from flake8_otel_context.rules import RULES_BY_CODE, needed_words

# A RuntimeError bug with nothing to do with spans: one copy entered by every item of map() at once.
SHARED_COPY_WITHOUT_OPENTELEMETRY = """\
import contextvars
from concurrent.futures import ThreadPoolExecutor


def work(item):
    return item


def run(items):
    ctx = contextvars.copy_context()
    with ThreadPoolExecutor() as pool:
        return list(pool.map(ctx.run, [work] * len(items), items))
"""


def test_a_rule_about_contextvars_runs_in_a_file_that_never_mentions_opentelemetry() -> None:
    found = analyze_source(SHARED_COPY_WITHOUT_OPENTELEMETRY, codes={"OTC402"})
    assert [(f.line, f.code) for f in found] == [(12, "OTC402")]


def test_the_words_checked_are_the_union_of_the_selected_rules() -> None:
    assert needed_words({"OTC402"}) == {"copy_context"}
    assert needed_words({"OTC101"}) == set(TRACING_WORDS)
    assert needed_words({"OTC101", "OTC402"}) == {*TRACING_WORDS, "copy_context"}
    assert not may_match("import threading\n", SpanScope.PROJECT, needed_words(RULES_BY_CODE))


def test_every_rule_declares_words_it_can_be_found_by() -> None:
    for rule in RULES_BY_CODE.values():
        assert rule.needs, rule.code
        assert all(may_match(example, SpanScope.LEXICAL, rule.needs) for example in rule.invalid), rule.code
