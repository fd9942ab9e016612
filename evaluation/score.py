"""Score the linter against the labelled sites of a real-world corpus.

    python -m evaluation.score [--corpus DIR] [--apps] [--span-scope SCOPE]

``--apps`` scores the application-style corpus (``apps/``): every module of each package is read
with the project model of that package, and only the boundary rules (OTC101-104) are scored, since
its population is every boundary call.

Runs the analysis (default settings and rules, as a plain ``flake8`` run would) over every module of
the pinned packages, matches each report to the label of its line, and prints precision and recall
per rule and overall, then every miss, every false alarm, and every report on a line nobody has
labelled yet. Exits 1 when precision is under 0.9, recall under 0.8, or a report is unlabelled: the
labels are the standard every change to the analysis is held to.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ast

from evaluation.app_sites import app_modules
from evaluation.corpus import (
    APP_LABELS,
    APP_PACKAGES,
    Label,
    default_corpus,
    linted_files,
    packages,
    read_labels,
    require_corpus,
)
from flake8_otel_context.analysis.settings import Settings, SpanScope
from flake8_otel_context.checker import analyze
from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.project.load import load_project
from flake8_otel_context.project.model import ProjectModel
from flake8_otel_context.rules import DEFAULT_ON

BOUNDARY_CODES = ("OTC101", "OTC102", "OTC103", "OTC104")

PRECISION_GOAL = 0.9
RECALL_GOAL = 0.8

Site = tuple[str, str, int]  # package, path, line


def reports(corpus: Path, settings: Settings = Settings()) -> dict[Site, frozenset[str]]:
    """The codes the linter reports on each line of the OpenTelemetry-heavy corpus. Each package is
    read as a project (its model built over the unpacked package), as flake8 would read it."""
    found: dict[Site, set[str]] = {}
    for package in packages():
        root = package.root(corpus)
        project = load_project([str(root)], cache_directory=False)
        for path, relative, source in linted_files(root):
            for finding in _analyse(source, settings, DEFAULT_ON, project, path):
                site = (package.name, relative, finding.line)
                found.setdefault(site, set()).add(finding.code)
    return {site: frozenset(codes) for site, codes in found.items()}


def app_reports(corpus: Path, settings: Settings = Settings()) -> dict[Site, frozenset[str]]:
    """The boundary codes the linter reports on each line of the application-style corpus."""
    found: dict[Site, set[str]] = {}
    for package in packages(APP_PACKAGES):
        root = package.root(corpus)
        project = load_project([str(root)], cache_directory=False)
        for path, relative, source in app_modules(root):
            for finding in _analyse(source, settings, BOUNDARY_CODES, project, path):
                found.setdefault((package.pin, relative, finding.line), set()).add(finding.code)
    return {site: frozenset(codes) for site, codes in found.items()}


def _analyse(
    source: str, settings: Settings, codes: tuple[str, ...], project: ProjectModel, path: Path
) -> list[Finding]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    return analyze(tree, source, settings, codes, project, str(path))


@dataclass
class Tally:
    true: Counter[str] = field(default_factory=Counter)
    false_alarms: list[tuple[Label, str]] = field(default_factory=list)
    misses: list[tuple[Label, str]] = field(default_factory=list)

    def count(self, code: str | None = None) -> tuple[int, int, int]:
        def of(items: Iterable[tuple[Label, str]]) -> int:
            return sum(1 for _, c in items if code is None or c == code)

        true = sum(self.true.values()) if code is None else self.true[code]
        return true, of(self.false_alarms), of(self.misses)


def compare(labels: list[Label], reported: dict[Site, frozenset[str]]) -> Tally:
    tally = Tally()
    for label in labels:
        got = reported.get(label.key, frozenset())
        tally.true.update(got & label.expected)
        tally.false_alarms.extend((label, code) for code in sorted(got - label.expected))
        tally.misses.extend((label, code) for code in sorted(label.expected - got))
    return tally


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--apps", action="store_true", help="the application-style corpus")
    parser.add_argument(
        "--span-scope", type=SpanScope.parse, default=Settings().span_scope, help="default: %(default)s"
    )
    arguments = parser.parse_args()
    settings = Settings(span_scope=arguments.span_scope)
    if arguments.apps:
        require_corpus(arguments.corpus, APP_PACKAGES)
        labels = read_labels(APP_LABELS)
        reported = app_reports(arguments.corpus, settings)
    else:
        require_corpus(arguments.corpus)
        labels = read_labels()
        reported = reports(arguments.corpus, settings)
    tally = compare(labels, reported)
    unlabelled = sorted(set(reported) - {label.key for label in labels})

    buggy = sum(1 for label in labels if label.expected)
    print(f"{len(labels)} labelled sites in {len({label.package for label in labels})} packages: "
          f"{buggy} with a problem, {len(labels) - buggy} clean")
    print(f"\n{'rule':8} {'expected':>8} {'reported':>8} {'correct':>8} {'precision':>9} {'recall':>7}")
    codes = sorted({code for label in labels for code in label.expected} | {c for _, c in tally.false_alarms})
    for code in [*codes, None]:
        true, false_alarms, misses = tally.count(code)
        print(
            f"{code or 'all':8} {true + misses:8} {true + false_alarms:8} {true:8} "
            f"{ratio(true, true + false_alarms):9.2f} {ratio(true, true + misses):7.2f}"
        )
    for title, items in (("false alarms", tally.false_alarms), ("misses", tally.misses)):
        print(f"\n{title} ({len(items)}):")
        for label, code in items:
            print(f"  {label.package}: {label.path}:{label.line} {code}  (label: {label.reason})")
    if unlabelled:
        print(f"\nreported but not labelled ({len(unlabelled)}); label them (python -m evaluation.sites):")
        for package, path, line in unlabelled:
            print(f"  {package}: {path}:{line} {' '.join(sorted(reported[(package, path, line)]))}")

    true, false_alarms, misses = tally.count()
    precision, recall = ratio(true, true + false_alarms), ratio(true, true + misses)
    met = precision >= PRECISION_GOAL and recall >= RECALL_GOAL and not unlabelled
    print(
        f"\nprecision {precision:.2f} (goal {PRECISION_GOAL}), recall {recall:.2f} (goal {RECALL_GOAL}): "
        f"{'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
