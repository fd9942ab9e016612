"""A value attached with ``attach(set_value(KEY, value))`` whose token is thrown away (OTC301).

The runtime facts first, measured under the SDK's in-memory exporter: leaking a context that is the
current one plus KEY leaves every span where it was, so only a project that reads KEY is hurt;
leaking a context whose span differs re-parents what follows. Then the rule: it stays quiet only
where the project model shows that nothing reads KEY.
"""

from __future__ import annotations

import ast
import contextvars
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.context import Context, attach, get_current, get_value, set_value
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from flake8_otel_context.analysis.settings import Settings
from flake8_otel_context.checker import analyze, analyze_source
from flake8_otel_context.project.load import load_project
from flake8_otel_context.project.summarise import summarise

# -- at run time -----------------------------------------------------------------------------------


class TenantTagger(SpanProcessor):
    """As traceloop's processor does with its association properties: a context value read when a
    span starts becomes one of its attributes."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        tenant = get_value("tenant", parent_context)
        if tenant is not None:
            span.set_attribute("tenant", str(tenant))

    def on_end(self, span: ReadableSpan) -> None:
        pass


Tree = list[tuple[str, str | None, dict[str, Any]]]


def span_tree(setter: Callable[[trace.Span], None], *processors: SpanProcessor) -> Tree:
    """Two requests, one after the other on one thread; ``setter`` runs first, outside any span, as
    a value setter called at a request's start does. Each span: its name, its parent's, its
    attributes. Run in a copied context, so what it leaks stays there."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    for processor in processors:
        provider.add_span_processor(processor)
    tracer = provider.get_tracer(__name__)

    def requests() -> None:
        background = tracer.start_span("background")
        setter(background)
        for request in ("first", "second"):
            with tracer.start_as_current_span(f"{request} request"):
                with tracer.start_as_current_span(f"{request} step"):
                    pass
        background.end()

    contextvars.copy_context().run(requests)
    names = {span.context.span_id: span.name for span in exporter.get_finished_spans()}
    return sorted(
        (span.name, names.get(span.parent.span_id) if span.parent else None, dict(span.attributes or {}))
        for span in exporter.get_finished_spans()
    )


def nothing(_: trace.Span) -> None:
    pass


# The leaks under test: each runs in the copied context of ``span_tree``.
def leak_a_value(_: trace.Span) -> None:
    attach(set_value("workflow_name", "nightly"))  # noqa: OTC301


def leak_a_value_on_get_current(_: trace.Span) -> None:
    attach(set_value("workflow_name", "nightly", get_current()))  # noqa: OTC301


def leak_a_value_on_another_span(background: trace.Span) -> None:
    attach(set_value("workflow_name", "nightly", trace.set_span_in_context(background)))  # noqa: OTC301


def leak_a_tenant(_: trace.Span) -> None:
    attach(set_value("tenant", "acme"))  # noqa: OTC301


@pytest.mark.parametrize("leak", [leak_a_value, leak_a_value_on_get_current])
def test_leaking_the_current_context_plus_a_value_changes_no_span(leak: Callable[[trace.Span], None]) -> None:
    assert span_tree(leak) == span_tree(nothing)
    assert span_tree(leak, TenantTagger()) == span_tree(nothing, TenantTagger())


def test_leaking_a_context_whose_span_differs_re_parents_every_later_span() -> None:
    leaked = {name: parent for name, parent, _ in span_tree(leak_a_value_on_another_span)}
    assert leaked["first request"] == leaked["second request"] == "background"
    assert {name: parent for name, parent, _ in span_tree(nothing)}["second request"] is None


def test_leaking_a_value_a_span_processor_reads_tags_later_unrelated_spans() -> None:
    tagged = {name: attributes for name, _, attributes in span_tree(leak_a_tenant, TenantTagger())}
    assert tagged["second step"] == {"tenant": "acme"}  # a request that was never acme's
    assert span_tree(leak_a_tenant, TenantTagger()) != span_tree(nothing, TenantTagger())
    assert span_tree(leak_a_tenant) == span_tree(nothing)  # the same leak, with nothing reading it


# -- the rule ----------------------------------------------------------------------------------------

def test_every_spelling_of_get_value_is_indexed_as_a_key_reference() -> None:
    source = """\
import opentelemetry.context
from opentelemetry import context as ctx
from opentelemetry.context import get_value as read
from pkg import keys
from pkg.keys import WORKFLOW

LOCAL = "local"


def tag(key, get_value):
    opentelemetry.context.get_value("a")
    ctx.get_value(keys.WORKFLOW)
    read(WORKFLOW)
    read(key=LOCAL)
    read(key)
    get_value("not OpenTelemetry's")
"""
    summary = summarise(source, "pkg.tags", "pkg/tags.py", False)
    assert summary.context_reads == ["?", "n:pkg.keys.WORKFLOW", "n:pkg.tags.LOCAL", "s:a"]
    assert summary.constants == {"LOCAL": "local"}


SETTERS = """\
from opentelemetry import context as otel_context
from opentelemetry.context import attach, set_value

from pkg.keys import WORKFLOW


def set_workflow(name):
    attach(set_value(WORKFLOW, name))


def set_entity_path(path):
    otel_context.attach(otel_context.set_value("entity_path", path, otel_context.get_current()))
"""


READS = """\
from opentelemetry import context
from pkg import keys


def tag(span):
    span.set_attribute("value", str(context.get_value({key})))
"""


def write(root: Path, files: dict[str, str]) -> Path:
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    for name, text in {"pkg/__init__.py": "", "pkg/keys.py": 'WORKFLOW = "workflow_name"\n', **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def otc301_lines(root: Path, name: str = "pkg/setters.py") -> list[int]:
    model = load_project([str(root)], cache_directory=False)
    path = root / name
    source = path.read_text(encoding="utf-8")
    findings = analyze(ast.parse(source), source, Settings(), ("OTC301",), model, str(path))
    return [finding.line for finding in findings]


def test_a_value_nothing_in_the_project_reads_is_not_reported(tmp_path: Path) -> None:
    root = write(tmp_path, {"pkg/setters.py": SETTERS, "pkg/other.py": READS.format(key='"tenant"')})
    assert otc301_lines(root) == []


def test_read_alone_without_its_project_the_file_is_reported() -> None:
    assert [finding.line for finding in analyze_source(SETTERS, codes=("OTC301",))] == [8, 12]


@pytest.mark.parametrize(
    ("key", "reported"),
    [
        ("keys.WORKFLOW", [8]),  # the constant, through its module
        ('"workflow_name"', [8]),  # its literal
        ('"entity_path"', [12]),
        ("span.name", [8, 12]),  # a key it cannot name: it may be any of them
    ],
)
def test_a_value_read_anywhere_in_the_project_is_reported(
    tmp_path: Path, key: str, reported: list[int]
) -> None:
    root = write(tmp_path, {"pkg/setters.py": SETTERS, "pkg/reader.py": READS.format(key=key)})
    assert otc301_lines(root) == reported


@pytest.mark.parametrize(
    "attach",
    [
        "attach(set_value(key, value))",  # a key it cannot resolve
        "attach(set_value(_SUPPRESS_INSTRUMENTATION_KEY, True))",  # OpenTelemetry reads its own keys
        "attach(set_value(SESSION_KEY, value))",  # another package's key, read by that package
        'attach(set_value("suppress_language_model_instrumentation", True))',  # instrumentations read it
        'attach(set_value("workflow_name", value, parent))',  # another context: its span leaks
    ],
)
def test_any_other_value_attach_is_reported(tmp_path: Path, attach: str) -> None:
    source = f"""\
from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, attach, set_value
from vendor_sdk.keys import SESSION_KEY


def setter(key, value, parent):
    {attach}
"""
    root = write(tmp_path, {"pkg/setters.py": source})
    assert otc301_lines(root) == [6]


def test_a_key_of_opentelemetry_s_own_packages_is_reported_though_the_project_never_reads_it(
    tmp_path: Path,
) -> None:
    """An instrumentation package's key (the labeler's) is read by the other instrumentations."""
    source = """\
from opentelemetry.context import attach, set_value

LABELER_KEY = "otel_labeler"


def set_labeler(labeler):
    attach(set_value(LABELER_KEY, labeler))
"""
    root = write(tmp_path, {"opentelemetry/instrumentation/labeler.py": source})
    assert otc301_lines(root, "opentelemetry/instrumentation/labeler.py") == [7]
