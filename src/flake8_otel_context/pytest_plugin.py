"""``pytest --otel-context``: report, while the project's own tests run, every boundary where a span
that was current at the call did not reach the spans started on the other side.

Registered through pytest's ``pytest11`` entry point, so it is loaded by every pytest run in an
environment where the package is installed; it does nothing (and imports nothing more) unless
``--otel-context`` or ``otel_context = true`` turns it on. The work is in ``runtime``; this module
only turns pytest's hooks into the sanitizer's events and its notes into pytest's output.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flake8_otel_context.runtime.sanitizer import Sanitizer

_INSTALL = "pip install 'flake8-otel-context[pytest]'"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("otel-context", "lost OpenTelemetry context (flake8-otel-context)")
    group.addoption(
        "--otel-context",
        action="store_true",
        default=None,
        help="report every thread, pool or attach where a current span did not reach the worker's spans",
    )
    group.addoption(
        "--otel-context-report",
        metavar="PATH",
        default=None,
        help="also write the findings as JSON to PATH (the shape of otel-context-fix --format json)",
    )
    group.addoption(
        "--otel-context-strict",
        action="store_true",
        default=False,
        help="fail each test during which a context was lost, with the finding as its failure message",
    )
    parser.addini("otel_context", type="bool", default=False, help="turn --otel-context on")


def pytest_configure(config: pytest.Config) -> None:
    enabled = config.getoption("otel_context")
    if enabled is None:
        enabled = config.getini("otel_context")
    if not enabled:
        return
    try:
        from flake8_otel_context.runtime.sanitizer import Sanitizer
        from flake8_otel_context.runtime.sites import Project
    except ImportError as error:
        raise pytest.UsageError(f"--otel-context needs the OpenTelemetry SDK ({error}): {_INSTALL}") from None
    plugin = _OtelContext(config, Sanitizer(Project(config.rootpath)))
    config.pluginmanager.register(plugin, "otel-context-sanitizer")


class _OtelContext:
    def __init__(self, config: pytest.Config, sanitizer: Sanitizer) -> None:
        from flake8_otel_context.runtime import attachments, boundaries, spans

        self.config = config
        self.sanitizer = sanitizer
        self.strict: bool = config.getoption("otel_context_strict")
        self.patch = pytest.MonkeyPatch()
        spans.provide_for_the_session(self.patch)
        spans.watch(sanitizer, self.patch)
        boundaries.watch(sanitizer, self.patch)
        attachments.watch(sanitizer, self.patch)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        self.sanitizer.test, self.sanitizer.phase = item.nodeid, "setup"
        return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        self.sanitizer.phase = "call"
        try:
            return (yield)
        finally:
            self.sanitizer.phase = "teardown"
            self.sanitizer.settle(item.nodeid)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        self.sanitizer.phase = "teardown"
        try:
            return (yield)
        finally:
            self.sanitizer.test, self.sanitizer.phase = "", ""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if self.strict and report.when == "call" and report.passed:
            losses = self.sanitizer.notes.of_test(item.nodeid)
            if losses:
                root = str(self.config.rootpath)
                report.outcome = "failed"
                lines = [loss.line(root) for loss in losses]
                report.longrepr = "\n".join(["lost OpenTelemetry context:", *lines])
        return report

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.sanitizer.settle()
        worker_output = getattr(self.config, "workeroutput", None)
        if worker_output is not None:  # a pytest-xdist worker: the controller reports
            worker_output["otel_context"] = {
                "losses": self.sanitizer.notes.export(),
                "errors": self.sanitizer.errors,
            }
            return
        path = self.config.getoption("otel_context_report")
        if path:
            Path(path).write_text(self._json(), encoding="utf-8")

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """pytest-xdist: a worker finished; its notes join the controller's."""
        output = getattr(node, "workeroutput", {}).get("otel_context")
        if output:
            self.sanitizer.notes.absorb(output["losses"])
            self.sanitizer.errors.extend(output["errors"])

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        losses = self.sanitizer.notes.losses()
        root = str(self.config.rootpath)
        terminalreporter.section("lost OpenTelemetry context")
        if not losses:
            terminalreporter.line("no span was lost at a thread, pool or attach boundary")
        for loss in losses:
            terminalreporter.line(loss.line(root))
        for error in dict.fromkeys(self.sanitizer.errors):
            terminalreporter.line(f"{error} (please report it)")
        terminalreporter.line(
            "(seen at run time: process pools and asyncio ordering are left to flake8's OTC rules)"
        )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.patch.undo()

    def _json(self) -> str:
        from flake8_otel_context import __version__
        from flake8_otel_context.rules import rule_name
        from flake8_otel_context.runtime.notes import relative

        root = str(self.config.rootpath)
        results = [
            {
                "file": relative(loss.site.path, root),
                "line": loss.site.line,
                "column": loss.site.col + 1,
                "end_line": loss.site.end_line,
                "end_column": loss.site.end_col + 1,
                "code": loss.code,
                "rule": rule_name(loss.code),
                "message": f"{loss.code} {loss.message}",
                "tests": loss.tests,
                "times": loss.times,
            }
            for loss in self.sanitizer.notes.losses()
        ]
        errors = [{"message": error} for error in dict.fromkeys(self.sanitizer.errors)]
        document = {
            "tool": "flake8-otel-context",
            "version": __version__,
            "results": results,
            "errors": errors,
        }
        return json.dumps(document, indent=2)
