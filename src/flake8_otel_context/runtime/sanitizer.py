"""The sanitizer's state and decisions: which work crossed a boundary under which span, what the
worker's first span was, which attaches were never detached, and when each of those is a loss.

The patches (``boundaries``, ``attachments``, ``spans``) only report events here; every judgement is
made in this module, so the pytest front end, its strict mode and its report all read one answer.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from opentelemetry import trace
from opentelemetry.trace import Span

from flake8_otel_context.runtime.notes import Notes
from flake8_otel_context.runtime.sites import Project, Site

Phase = Literal["", "setup", "call", "teardown"]


@dataclass(frozen=True)
class Crossing:
    """Work handed to another thread while ``span`` was current, from ``site`` in a test."""

    site: Site
    code: str  # OTC101, OTC102 or OTC103
    call: str  # how the message names the boundary: "submit()", "Thread()"
    span: Span
    test: str


@dataclass
class Execution:
    """One run of a crossing's worker on the other side: what its spans show.

    Only the first span is judged (later ones descend from it or share its fate). A worker that
    starts root spans in two or more traces, one of them after the caller's span ended, serves
    many requests (a long-lived thread or loop) and is not a loss, as the linter judges it."""

    crossing: Crossing
    done: Callable[[], bool]
    first_span: str = ""
    lost: bool = False
    joined_another: bool = False  # the worker's span has a parent, in another trace
    root_traces: set[int] = field(default_factory=set)
    root_after_the_span_ended: bool = False
    settled: bool = False

    @property
    def serves_many(self) -> bool:
        return len(self.root_traces) >= 2 and self.root_after_the_span_ended


@dataclass
class Attachment:
    """A context attached by the project's code (``direct``) or by ``use_span`` under it."""

    token: object
    site: Site
    test: str
    phase: Phase
    direct: bool
    thread: threading.Thread
    execution: Execution | None
    detached: bool = False


class Sanitizer:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.notes = Notes()
        self.test = ""
        self.phase: Phase = ""
        self._lock = threading.Lock()
        self._local = threading.local()
        self._executions: list[Execution] = []
        self._threads: dict[threading.Thread, Execution] = {}
        self._attachments: dict[int, Attachment] = {}
        self.errors: list[str] = []

    @contextlib.contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Note-taking that fails must not fail the test that was being watched: the error is kept
        for the report, and the call it was watching goes on as if unwatched."""
        try:
            yield
        except Exception as error:
            with self._lock:
                self.errors.append(f"internal error while watching {what}: {type(error).__name__}: {error}")

    # Events reported by the patches.

    def crossing(self, site: Site, code: str, call: str) -> Crossing | None:
        """A crossing worth watching: a recording span is current at the call."""
        span = trace.get_current_span()
        if not span.get_span_context().is_valid:
            return None
        return Crossing(site, code, call, span, self.test)

    def run_in_worker(self, crossing: Crossing, work: Callable[[], object]) -> object:
        """Run one pool work item, noting that its spans belong to ``crossing``."""
        finished = threading.Event()
        execution = Execution(crossing, finished.is_set)
        with self._lock:
            self._executions.append(execution)
        outer = getattr(self._local, "execution", None)
        self._local.execution = execution
        try:
            return work()
        finally:
            self._local.execution = outer
            finished.set()

    def thread_started(self, thread: threading.Thread, crossing: Crossing) -> None:
        execution = Execution(crossing, lambda: not thread.is_alive())
        with self._lock:
            self._executions.append(execution)
            self._threads[thread] = execution

    def span_started(self, span: Span) -> None:
        execution = getattr(self._local, "execution", None)
        if execution is None and self._threads:
            execution = self._threads.get(threading.current_thread())
        if execution is None:
            return
        context = span.get_span_context()
        parent = getattr(span, "parent", None)
        crossed = execution.crossing.span
        if parent is None:
            execution.root_traces.add(context.trace_id)
            if getattr(crossed, "end_time", None) is not None:
                execution.root_after_the_span_ended = True
        if not execution.first_span:
            execution.first_span = getattr(span, "name", "") or "?"
            # A parent that is not the worker's current span was passed explicitly (context=...): the
            # worker chose it (a consumer continuing its message's trace), and carrying the caller's
            # context would not have changed it.
            ambient = trace.get_current_span().get_span_context()
            chosen = parent is not None and (parent.trace_id, parent.span_id) != (
                ambient.trace_id,
                ambient.span_id,
            )
            execution.lost = context.trace_id != crossed.get_span_context().trace_id and not chosen
            execution.joined_another = execution.lost and parent is not None

    def attached(self, token: object, site: Site, direct: bool) -> None:
        record = Attachment(
            token,
            site,
            self.test,
            self.phase,
            direct,
            threading.current_thread(),
            getattr(self._local, "execution", None),
        )
        with self._lock:
            self._attachments[id(token)] = record

    def detached(self, token: object, error: BaseException | None) -> None:
        with self._lock:
            record = self._attachments.pop(id(token), None)
        if record is None or error is None:
            return
        code = "OTC302" if record.direct else "OTC303"
        message = (
            f"detach of the context attached at line {record.site.line} failed "
            f"({type(error).__name__}: {error}): it was detached in another thread, task or "
            "generator frame, so it stays current where it was attached"
        )
        self._note(record.site, code, message, record.test)

    # Decisions.

    def settle(self, test: str | None = None) -> None:
        """Decide what is decidable: every finished worker and every attach whose code has
        returned, of ``test`` (the call phase just ended), or of the whole run (``None``)."""
        with self._lock:
            executions = [e for e in self._executions if not e.settled]
            attachments = list(self._attachments.values())
        current = threading.current_thread()
        for execution in executions:
            if test is not None and (execution.crossing.test != test or not execution.done()):
                continue
            execution.settled = True
            if execution.lost and not execution.serves_many:
                crossing = execution.crossing
                self._note(crossing.site, crossing.code, _lost(execution), crossing.test)
        with self._lock:  # a long suite must not keep every span it crossed under
            self._executions = [e for e in self._executions if not e.settled]
            self._threads = {t: e for t, e in self._threads.items() if not e.settled}
        for record in attachments:
            if not record.direct:
                continue
            if test is not None:
                returned = record.thread is current or not record.thread.is_alive() or (
                    record.execution is not None and record.execution.done()
                )
                if record.test != test or record.phase != "call" or not returned:
                    continue
            with self._lock:
                self._attachments.pop(id(record.token), None)
            # The linter is imported only when an attach is judged: most suites never need it.
            from flake8_otel_context.runtime.verdicts import attach_findings

            for site, code in attach_findings(record.site):
                self._note(site, code, _never_detached(record.site, site), record.test)

    def _note(self, site: Site, code: str, message: str, test: str) -> None:
        with self._lock:
            self.notes.add(site, code, message, test)


def _lost(execution: Execution) -> str:
    crossing = execution.crossing
    span = getattr(crossing.span, "name", "?")
    outcome = "joined another trace" if execution.joined_another else "started a new trace"
    return f"{crossing.call} lost span '{span}': worker span '{execution.first_span}' {outcome}"


def _never_detached(attach: Site, reported: Site) -> str:
    """Said at the attach, or at the linter's place for it: the detach an exception skipped."""
    outcome = "whatever runs next on that thread or task runs under it, and its spans join that trace"
    if (reported.line, reported.col) == (attach.line, attach.col):
        return f"attach() was never detached: the test ended with its context still current, so {outcome}"
    return (
        f"this detach did not run: the context attached at line {attach.line} was still current when "
        f"the test ended, so {outcome}"
    )
