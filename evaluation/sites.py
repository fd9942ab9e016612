"""List the sites of the corpus that still need a label, as CSV rows ready to fill in.

    python -m evaluation.sites [--corpus DIR] [--package NAME]

A site is a call the rules are about: a boundary (executor, thread, process, asyncio task or
callback), ``start_span``, ``get_current``, ``copy_context`` or ``attach``, in a module the linter
reads; plus every line the linter reports, so nothing it says goes unjudged. The ``expected`` column
is left empty: fill it with the codes the line deserves (or ``clean``) and a one-line reason, by
reading the code, before looking at what the linter says.
"""

from __future__ import annotations

import argparse
import ast
import csv
import sys
from collections.abc import Iterator
from pathlib import Path

from evaluation.corpus import (
    LABEL_FIELDS,
    LABELS,
    Package,
    default_corpus,
    linted_files,
    packages,
    read_labels,
    require_corpus,
)
from flake8_otel_context.checker import analyze
from flake8_otel_context.rules import DEFAULT_ON

SITE_CALLS = frozenset(
    {
        "run_in_executor", "submit", "map", "Thread", "Timer", "Process",
        "create_task", "ensure_future", "gather", "to_thread",
        "call_soon", "call_soon_threadsafe", "call_later", "run_coroutine_threadsafe",
        "start_span", "get_current", "copy_context", "attach",
    }
)  # fmt: skip


def sites(package: Package, corpus: Path) -> Iterator[tuple[str, int, str]]:
    """(path, line, what is there) for every site of one package, in file order."""
    for _, relative, source in linted_files(package.root(corpus)):
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError):
            continue
        found = {node.lineno: name for node in ast.walk(tree) if (name := call_named(node, SITE_CALLS))}
        for finding in analyze(tree, source, codes=DEFAULT_ON):
            found.setdefault(finding.line, finding.code + " report")
        for line in sorted(found):
            yield relative, line, found[line]


def call_named(node: ast.AST, names: frozenset[str]) -> str | None:
    """The name ``node`` calls when it is one of ``names`` (``map`` only as a method: the builtin
    crosses nothing)."""
    if not isinstance(node, ast.Call):
        return None
    function = node.func
    if isinstance(function, ast.Attribute) and function.attr in names:
        return function.attr
    if isinstance(function, ast.Name) and function.id in names - {"map"}:
        return function.id
    return None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--package", action="append", help="only this package (repeatable)")
    arguments = parser.parse_args()
    require_corpus(arguments.corpus)
    labelled = {label.key for label in read_labels()} if LABELS.exists() else set()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(LABEL_FIELDS)
    for package in packages():
        if arguments.package and package.name not in arguments.package:
            continue
        for path, line, call in sites(package, arguments.corpus):
            if (package.name, path, line) not in labelled:
                writer.writerow([package.name, path, line, call, "", ""])


if __name__ == "__main__":
    main()
