"""The real-world corpus: which packages, where they are unpacked, which files the linter reads, and
the labels a person gave their sites. Shared by every evaluation script so they agree on all four."""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from flake8_otel_context.analysis.precheck import may_match
from flake8_otel_context.analysis.settings import Settings

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
PACKAGES = HERE / "packages.toml"
LABELS = HERE / "labels.csv"
# The second corpus: application-style code (services, agent and pipeline frameworks, SDK clients)
# whose boundaries mostly sit in files that never mention OpenTelemetry. Its population is every
# module of each package, not only those the linter used to read, so its blind spots show.
APPS = HERE / "apps"
APP_PACKAGES = APPS / "packages.toml"
APP_LABELS = APPS / "labels.csv"
LABEL_FIELDS = ("package", "path", "line", "call", "expected", "reason")
CLEAN = "clean"


def default_corpus() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "flake8-otel-context" / "corpus"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    why: str

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"

    def root(self, corpus: Path) -> Path:
        return corpus / "src" / f"{self.name}-{self.version}"


def packages(path: Path = PACKAGES) -> list[Package]:
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    return [Package(p["name"], p["version"], p["why"]) for p in document["package"]]


@dataclass(frozen=True)
class Label:
    """One site a person read: the codes the linter should report on that line (none if clean)."""

    package: str
    path: str
    line: int
    call: str
    expected: frozenset[str]
    reason: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.package, self.path, self.line)


def read_labels(path: Path = LABELS) -> list[Label]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Label(
            row["package"],
            row["path"],
            int(row["line"]),
            row["call"],
            frozenset() if row["expected"] == CLEAN else frozenset(row["expected"].split()),
            row["reason"],
        )
        for row in rows
    ]


def write_labels(labels: list[Label], path: Path = LABELS) -> None:
    """Sorted, so a relabelled site shows as a one-line diff."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LABEL_FIELDS)
        for label in sorted(labels, key=lambda label: label.key):
            expected = " ".join(sorted(label.expected)) or CLEAN
            writer.writerow([label.package, label.path, label.line, label.call, expected, label.reason])


def linted_files(root: Path) -> Iterator[tuple[Path, str, str]]:
    """Every module the linter reads in its default scope: its path, its path relative to ``root``
    as labels name it, and its text, in a stable order.

    Files that never mention tracing are skipped by the plugin's own text pre-check, so they are
    outside the population too: a boundary there has no span the linter could know about.
    """
    for path in sorted(root.rglob("*.py")):
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if may_match(source, Settings().span_scope):
            yield path, path.relative_to(root).as_posix(), source


def require_corpus(corpus: Path, pins: Path = PACKAGES) -> None:
    missing = [p.pin for p in packages(pins) if not p.root(corpus).is_dir()]
    if missing:
        sys.exit(
            f"{corpus}: {len(missing)} package(s) not unpacked ({', '.join(missing[:3])}...); "
            f"run `python -m evaluation.fetch{' --apps' if pins != PACKAGES else ''} --into {corpus}` first"
        )
