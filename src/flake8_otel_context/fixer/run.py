"""Fix one file on disk: everything that can go wrong is reported for that file, in one line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.checker import NOT_ANALYSED
from flake8_otel_context.fixer.edits import Declined
from flake8_otel_context.fixer.engine import FixOptions, fix_source
from flake8_otel_context.project.model import ProjectModel
from flake8_otel_context.fixer.files import (
    SourceError,
    character_column,
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


def fix_file(
    path: str, options: FixOptions, write: bool, diff: bool = False, project: ProjectModel | None = None
) -> FileReport:
    """Rewrite ``path`` (only when ``write``); a file that fails is left exactly as it was."""
    try:
        source = read_source(Path(path))
        result = fix_source(source.text, options, project, path)
        unread = next((f for f in result.found if f.code == NOT_ANALYSED), None)
        if unread is not None:  # an error for this file, not a finding: nothing in it was checked
            return FileReport(path, error=unread.message.removeprefix(f"{NOT_ANALYSED} ") + "; not changed")
        found = result.in_input()
        lines = physical_lines(source.text)
        reported = tuple(_reported(finding, reason, lines) for finding, reason in found)
        in_input = tuple(Declined(finding, reason) for finding, reason in found if reason is not None)
        if result.source == source.text:
            return FileReport(path, declined=in_input, findings=reported)
        data = verified_bytes(source, result.source)
        shown = _diff(path, source.text, result.source) if diff else ""
        if write:
            write_atomically(Path(path), data)
        declined = tuple(result.declined) if write else in_input
        return FileReport(path, tuple(result.fixed), declined, reported, diff=shown)
    except SourceError as error:
        return FileReport(path, error=f"{error}; not changed")
    except SyntaxError as error:
        return FileReport(path, error=f"syntax error at line {error.lineno}: {error.msg}; not changed")
    except cst.ParserSyntaxError as error:
        reason = f"libcst cannot parse line {error.raw_line}: {error.message}"
        return FileReport(path, error=f"{reason}; not changed")
    except RecursionError:
        return FileReport(path, error="it is nested too deeply to rewrite; not changed")
    except Exception as error:  # one file's failure must not end the run
        return FileReport(
            path, error=f"internal error {type(error).__name__}: {error}; not changed (please report it)"
        )


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
