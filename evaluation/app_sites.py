"""List the boundary sites of the application-style corpus that still need a label, as CSV rows.

    python -m evaluation.app_sites [--corpus DIR] [--package NAME==VERSION]

The population is every module of each package (tests excluded), whether or not it mentions
OpenTelemetry: a site is every call that may hand work to another thread or process
(``run_in_executor``, ``submit``, ``.map``, ``Thread``, ``Timer``, ``Process``, a multiprocessing
pool's ``apply_async``/``imap``/``starmap``), plus every line the linter reports. Fill ``expected``
and ``reason`` by reading the code (see LABELLING.md), before looking at what the linter says.
"""

from __future__ import annotations

import argparse
import ast
import csv
import sys
from collections.abc import Iterator
from pathlib import Path

from evaluation.sites import call_named
from evaluation.corpus import (
    APP_LABELS,
    APP_PACKAGES,
    LABEL_FIELDS,
    default_corpus,
    packages,
    read_labels,
)

BOUNDARY_CALLS = frozenset(
    {"run_in_executor", "submit", "map", "Thread", "Timer", "Process", "apply_async", "imap",
     "imap_unordered", "starmap", "starmap_async", "map_async"}
)  # fmt: skip


def app_modules(root: Path) -> Iterator[tuple[Path, str, str]]:
    """Every module of an unpacked package but its tests: path, path relative to ``root``, text."""
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        parts = relative.split("/")
        if any(part in ("tests", "test", "testing") for part in parts[:-1]) or parts[-1].startswith("test_"):
            continue
        try:
            yield path, relative, path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue


def boundary_sites(root: Path) -> Iterator[tuple[str, int, str]]:
    """(path, line, call) for every boundary call of one unpacked package, in file order."""
    for _, relative, source in app_modules(root):
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError):
            continue
        found = {node.lineno: name for node in ast.walk(tree) if (name := call_named(node, BOUNDARY_CALLS))}
        for line in sorted(found):
            yield relative, line, found[line]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--package", action="append", help="only this pin, NAME==VERSION (repeatable)")
    parser.add_argument(
        "--packages-file", type=Path, default=APP_PACKAGES, help="pins (default: %(default)s)"
    )
    arguments = parser.parse_args()
    labelled = {label.key for label in read_labels(APP_LABELS)} if APP_LABELS.exists() else set()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(LABEL_FIELDS)
    for package in packages(arguments.packages_file):
        if arguments.package and package.pin not in arguments.package:
            continue
        for path, line, call in boundary_sites(package.root(arguments.corpus)):
            if (package.pin, path, line) not in labelled:
                writer.writerow([package.pin, path, line, call, "", ""])


if __name__ == "__main__":
    main()
