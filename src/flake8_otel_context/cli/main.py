"""``otel-context-fix``: rewrite the places flake8's OTC codes report so the trace stays connected."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial
from typing import TextIO, get_args

from flake8.exceptions import ExecutionError

from flake8_otel_context import __version__
from flake8_otel_context.analysis.settings import Settings, SpanScope
from flake8_otel_context.cli.config import ConfigError, comma_list, load_options
from flake8_otel_context.cli.formats import as_json, as_sarif
from flake8_otel_context.cli.paths import DEFAULT_EXCLUDE, python_files
from flake8_otel_context.cli.selection import ignored_in, per_file_ignores, selected_codes
from flake8_otel_context.fixer.engine import FixOptions
from flake8_otel_context.fixer.run import FileReport, fix_file, fix_stdin
from flake8_otel_context.fixer.tree import Style
from flake8_otel_context.collector import built_frozen
from flake8_otel_context.project.load import cache_setting, load_project
from flake8_otel_context.project.model import ProjectModel
from flake8_otel_context.reference import NOTICES, explain_code
from flake8_otel_context.rules import RULES

EXIT_CLEAN, EXIT_CHANGED, EXIT_ERROR = 0, 1, 2

_EPILOG = """\
exit status:
  0  nothing to change
  1  files were changed (with --check or --diff: would be changed)
  2  usage error (a configuration that selects no OTC rule, too), or a file could not be read,
     parsed or written (it is left as it was)

PATH "-" reads the source from standard input and prints the rewritten source (or, with --diff,
the diff) on standard output; --stdin-filename names the file it stands for, for the configuration,
per-file-ignores and the project around it.

Findings the fixer cannot rewrite safely are listed with the reason; they do not change the exit
status (flake8 reports them). Rule selection, --otc-* options and # noqa work as in the flake8 plugin.
"""


def _jobs(text: str) -> int:
    if text == "auto":
        return os.cpu_count() or 1
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number or 'auto', got {text!r}")
    return jobs


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="otel-context-fix",
        description=(
            "Rewrite code where the OpenTelemetry context is lost at a thread, pool or task "
            "boundary into the attach/detach pattern: capture the context inside the span, pass it "
            "in, attach it first thing in the worker, detach it in finally."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files, or directories to search for *.py")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
    mode.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would change")
    parser.add_argument("-j", "--jobs", type=_jobs, default="auto", help="processes to use (default: auto)")
    parser.add_argument(
        "--select", type=comma_list, default=[], metavar="CODES", help="only these codes (prefixes)"
    )
    parser.add_argument("--ignore", type=comma_list, default=[], metavar="CODES", help="skip these codes")
    parser.add_argument(
        "--style",
        choices=get_args(Style),
        default="auto",
        help=(
            "auto: attach/detach in a nested worker whose every use is visible, "
            "contextvars.copy_context().run at the call site otherwise; copy-context: always the "
            "call-site form (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--otc-span-scope",
        choices=[scope.value for scope in SpanScope],
        default=Settings().span_scope.value,
        help="where a span is assumed active, as for flake8 (default: %(default)s)",
    )
    parser.add_argument(
        "--otc-propagating",
        type=comma_list,
        default=[],
        metavar="NAMES",
        help="helpers, decorators and executors that carry the context themselves, as for flake8",
    )
    parser.add_argument(
        "--otc-cache-dir",
        default="",
        metavar="DIR",
        help="where the project model keeps its module summaries (default: a directory per project "
        "under ~/.cache/flake8-otel-context; 'none' disables it), as for flake8",
    )
    parser.add_argument(
        "--exclude",
        type=comma_list,
        default=list(DEFAULT_EXCLUDE),
        metavar="PATTERNS",
        help="names or paths to skip inside directories (default: %(default)s)",
    )
    parser.add_argument(
        "--extend-exclude",
        type=comma_list,
        default=[],
        metavar="PATTERNS",
        help="more names or paths to skip, added to --exclude",
    )
    parser.add_argument(
        "--per-file-ignores",
        default="",
        metavar="MAPPING",
        help="codes to skip in some files, as flake8's option: 'tests/*:OTC1 legacy.py:OTC302'",
    )
    parser.add_argument(
        "--stdin-filename",
        default="stdin.py",
        metavar="PATH",
        help="the file that the source on standard input (PATH '-') stands for (default: %(default)s)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="flake8 configuration file to read instead of the one found (setup.cfg, tox.ini, .flake8)",
    )
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="ignore every configuration file (flake8's, pyproject.toml)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="text for people; json or sarif (2.1.0, for code scanning) on stdout for machines, "
        "listing every finding with whether it is auto-fixable (default: %(default)s)",
    )
    parser.add_argument(
        "--explain", metavar="CODE", help="print the reference entry of one rule (as in docs/rules.md)"
    )
    parser.add_argument("--list-rules", action="store_true", help="list every rule and whether it is fixed")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Configuration files give the defaults; the command line wins."""
    parser = build_parser()
    located, _ = parser.parse_known_args(argv)
    try:
        found = load_options(located.config, located.isolated)
    except ConfigError as error:
        parser.error(str(error))
    defaults: dict[str, object] = {
        "otc_span_scope": found.get("otc-span-scope"),
        "otc_propagating": found.get("otc-propagating"),
        "otc_cache_dir": found.get("otc-cache-dir"),
        "style": found.get("style"),
        "per_file_ignores": found.get("per-file-ignores"),
    }
    for option in ("select", "ignore", "exclude"):
        if option in found or f"extend-{option}" in found:
            base = found.get(option, DEFAULT_EXCLUDE if option == "exclude" else [])
            defaults[option] = [*base, *found.get(f"extend-{option}", [])]
    parser.set_defaults(**{key: value for key, value in defaults.items() if value is not None})
    args = parser.parse_args(argv)
    if args.explain is not None and explain_code(args.explain) is None:
        parser.error(f"--explain: no rule {args.explain!r}; --list-rules shows them")
    if not args.paths and args.explain is None and not args.list_rules:
        parser.error("give at least one PATH")
    if "-" in args.paths and len(args.paths) > 1:
        parser.error("PATH '-' (standard input) cannot be combined with other paths")
    try:
        args.per_file_ignores = per_file_ignores(args.per_file_ignores)
    except ExecutionError as error:
        parser.error(f"--per-file-ignores: {str(error).splitlines()[0]}")
    return args


def _list_rules() -> str:
    lines = []
    for rule in RULES:
        fixed = "fixed" if rule.fix is not None else "reported"
        default = "" if rule.enabled_by_default else " (opt-in)"
        lines.append(f"{rule.code}  {fixed:8}  {rule.name}{default}: {rule.summary}")
    lines += [f"{notice.code}  {'notice':8}  {notice.name}: {notice.summary}" for notice in NOTICES]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parse(argv)
    if args.explain is not None:
        print(explain_code(args.explain), end="", file=out)
        return EXIT_CLEAN
    if args.list_rules:
        print(_list_rules(), file=out)
        return EXIT_CLEAN
    options = FixOptions(
        settings=Settings(
            span_scope=SpanScope(args.otc_span_scope), propagating=frozenset(args.otc_propagating)
        ),
        codes=frozenset(selected_codes(args.select, args.ignore)),
        style=args.style,
    )
    if not options.codes:
        print(
            "otel-context-fix: the rule selection (select/ignore, from the command line or the "
            "configuration) leaves no OTC rule to check; add OTC to select or extend-select",
            file=err,
        )
        return EXIT_ERROR
    stdin = args.paths == ["-"]
    named = [args.stdin_filename] if stdin else args.paths
    project = None
    if options.settings.span_scope.reads_project:
        cache = cache_setting(args.otc_cache_dir)
        # Frozen, the model is not scanned by every full collection the trees parsed next set off.
        project = built_frozen(lambda: load_project(named, cache))

    def options_for(path: str) -> FixOptions:
        ignored = ignored_in(path, args.per_file_ignores)
        return replace(options, codes=frozenset(selected_codes(args.select, [*args.ignore, *ignored])))

    if stdin:
        return _fix_stdin(args, options_for(args.stdin_filename), project, out, err)
    excluded = [*args.exclude, *args.extend_exclude]
    files = [(path, options_for(path)) for path in python_files(args.paths, excluded)]
    write = not (args.check or args.diff)
    messages = err if args.diff else out
    status = EXIT_CLEAN
    changed = declined = failed = 0
    reports = []
    for report in _reports(files, write, args.diff, args.jobs, project):
        reports.append(report)
        failed += report.error is not None
        changed += bool(report.fixed)
        declined += len(report.declined)
        if args.format == "text":
            _print_text(report, write, out, messages, err)
    if args.format != "text":
        print(as_json(reports) if args.format == "json" else as_sarif(reports), file=out)
    if changed:
        status = EXIT_CHANGED
    if failed:
        status = EXIT_ERROR
    print(_summary(len(files), changed, declined, failed, write), file=err)
    return status


def _fix_stdin(
    args: argparse.Namespace, options: FixOptions, project: ProjectModel | None, out: TextIO, err: TextIO
) -> int:
    """The source on standard input, rewritten on standard output: an editor's or a pipeline's
    file. Whatever fails, the input comes back unchanged, and the reason goes to standard error."""
    raw = sys.stdin.buffer.read()
    report, data = fix_stdin(raw, args.stdin_filename, options, args.diff, project)
    if args.diff:
        out.write(report.diff)
    elif not args.check:
        _write_bytes(out, data)
    if args.format != "text":
        print(as_json([report]) if args.format == "json" else as_sarif([report]), file=err)
    else:
        _print_text(report, not (args.check or args.diff), io.StringIO(), err, err)
    if report.error is not None:
        return EXIT_ERROR
    return EXIT_CHANGED if report.fixed else EXIT_CLEAN


def _write_bytes(stream: TextIO, data: bytes) -> None:
    """The rewrite keeps the input's encoding and newlines, so it goes out as bytes; a stream with
    no byte buffer (a test's ``StringIO``) gets it decoded as UTF-8."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(data.decode("utf-8", "surrogateescape"))
        return
    stream.flush()
    buffer.write(data)
    buffer.flush()


def _print_text(report: FileReport, write: bool, out: TextIO, messages: TextIO, err: TextIO) -> None:
    if report.error is not None:
        print(f"{report.path}: skipped: {report.error}", file=err)
        return
    if report.fixed:
        verb = "fixed" if write else "would fix"
        found = ", ".join(f"{f.code} (line {f.line})" for f in report.fixed)
        print(f"{report.path}: {verb} {found}", file=messages)
        out.write(report.diff)
    for item in report.declined:
        finding = item.finding
        print(
            f"{report.path}:{finding.line}:{finding.col + 1}: {finding.code} not auto-fixable: "
            f"{item.reason}",
            file=messages,
        )


def _reports(
    files: list[tuple[str, FixOptions]], write: bool, diff: bool, jobs: int, project: ProjectModel | None
) -> Iterator[FileReport]:
    if jobs == 1 or len(files) < 2:
        yield from (fix_file(path, options, write, diff, project) for path, options in files)
        return
    work = partial(_fix_with_project, write=write, diff=diff)
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(files)), initializer=_receive_project, initargs=(project,)
    ) as pool:
        yield from pool.map(work, files, chunksize=max(1, len(files) // (jobs * 8)))


# The project model, sent once to each worker process (not once per file).
_PROJECT: ProjectModel | None = None


def _receive_project(project: ProjectModel | None) -> None:
    global _PROJECT
    _PROJECT = project


def _fix_with_project(file: tuple[str, FixOptions], write: bool, diff: bool) -> FileReport:
    path, options = file
    return fix_file(path, options, write, diff, _PROJECT)


def _summary(total: int, changed: int, declined: int, failed: int, write: bool) -> str:
    verb = "fixed" if write else "would be fixed"
    parts = [f"{changed} of {total} file{'s' if total != 1 else ''} {verb}"]
    if declined:
        parts.append(f"{declined} finding{'s' if declined != 1 else ''} left for a person")
    if failed:
        parts.append(f"{failed} file{'s' if failed != 1 else ''} skipped")
    return "otel-context-fix: " + ", ".join(parts)


def run() -> None:
    """Console entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
