"""Fix one file on disk: everything that can go wrong is reported for that file, in one line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst

from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.checker import NOT_ANALYSED
from flake8_otel_context.fixer.edits import Declined
from flake8_otel_context.fixer.engine import FixOptions, fix_source
from flake8_otel_context.project.model import ProjectModel
from flake8_otel_context.fixer.files import (
    SourceError,
    SourceFile,
    character_column,
    decode_source,
    physical_lines,
    read_source,
    verified_bytes,
    write_atomically,
)


@dataclass(frozen=True)
class Reported:
    """A finding at its place in the file as it was read, for machine-readable reports."""

    finding: Finding
    reason: str | None  # why it is left for a person; None when it is rewritten
    column: int  # 1-based, counted in characters (the finding's own column counts UTF-8 bytes)
    end_column: int


@dataclass(frozen=True)
class FileReport:
    path: str
    fixed: tuple[Finding, ...] = ()
    declined: tuple[Declined, ...] = ()  # at their places in the file as it is now on disk
    findings: tuple[Reported, ...] = ()
    error: str | None = None
    diff: str = ""
    # The declined findings at their places in the rewritten text (once it is written, that is
    # where a person finds them).
    rewritten_declined: tuple[Declined, ...] = field(default=(), repr=False)


def fix_file(
    path: str, options: FixOptions, write: bool, diff: bool = False, project: ProjectModel | None = None
) -> FileReport:
    """Rewrite ``path`` (only when ``write``); a file that fails is left exactly as it was."""
    try:
        source = read_source(Path(path))
        report, data = _rewrite(source, options, diff, project)
        if data is not None and write:
            write_atomically(Path(path), data)
            return replace(report, declined=report.rewritten_declined)
        return report
    except SourceError as error:
        return FileReport(path, error=f"{error}; not changed")


def fix_stdin(
    raw: bytes, path: str, options: FixOptions, diff: bool = False, project: ProjectModel | None = None
) -> tuple[FileReport, bytes]:
    """What to print for the source given on standard input, standing for the file ``path``: the
    rewrite, or the input itself, byte for byte, when nothing changes or anything fails (an editor
    replaces its buffer with it)."""
    try:
        report, data = _rewrite(decode_source(raw, Path(path)), options, diff, project)
    except SourceError as error:
        return FileReport(path, error=f"{error}; not changed"), raw
    return replace(report, declined=report.rewritten_declined), raw if data is None else data


TOO_DEEP = "it is nested too deeply to rewrite"


def nested_too_deeply(error: BaseException) -> bool:
    """``error`` was raised while handling a ``RecursionError``: libcst, out of stack in a long
    ``elif`` chain, fails again in its own clean-up (a ``KeyError`` from its position provider)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, RecursionError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _shown(error: Exception) -> str:
    """The error's type and text; its type alone when its text cannot be made (a libcst node's
    ``repr`` can itself run out of stack)."""
    try:
        return f"{type(error).__name__}: {error}"
    except Exception:
        return type(error).__name__


def _rewrite(
    source: SourceFile, options: FixOptions, diff: bool, project: ProjectModel | None
) -> tuple[FileReport, bytes | None]:
    """The report, and the new bytes (None when nothing changes); every failure is a SourceError."""
    path = str(source.path)
    try:
        result = fix_source(source.text, options, project, path)
    except SyntaxError as error:
        raise SourceError(f"syntax error at line {error.lineno}: {error.msg}") from None
    except cst.ParserSyntaxError as error:
        raise SourceError(f"libcst cannot parse line {error.raw_line}: {error.message}") from None
    except RecursionError:
        raise SourceError(TOO_DEEP) from None
    except Exception as error:  # one file's failure must not end the run
        if nested_too_deeply(error):
            raise SourceError(TOO_DEEP) from None
        raise SourceError(f"internal error {_shown(error)}; please report it") from None
    unread = next((f for f in result.found if f.code == NOT_ANALYSED), None)
    if unread is not None:  # an error for this file, not a finding: nothing in it was checked
        raise SourceError(unread.message.removeprefix(f"{NOT_ANALYSED} "))
    found = result.in_input()
    lines = physical_lines(source.text) if found else []
    reported = tuple(_reported(finding, reason, lines) for finding, reason in found)
    in_input = tuple(Declined(finding, reason) for finding, reason in found if reason is not None)
    if result.source == source.text:
        return FileReport(path, declined=in_input, findings=reported, rewritten_declined=in_input), None
    data = verified_bytes(source, result.source)
    shown = _diff(path, source.text, result.source) if diff else ""
    fixed = tuple(sorted(result.fixed, key=lambda f: (f.line, f.col)))
    declined_now = tuple(result.declined)
    report = FileReport(path, fixed, in_input, reported, diff=shown, rewritten_declined=declined_now)
    return report, data


def _reported(finding: Finding, reason: str | None, lines: list[str]) -> Reported:
    def characters(line: int, column: int) -> int:
        return character_column(lines[line - 1] if 0 < line <= len(lines) else "", column) + 1

    return Reported(
        finding,
        reason,
        characters(finding.line, finding.col),
        characters(finding.end_line, finding.end_col),
    )


def _diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )
