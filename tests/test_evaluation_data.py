"""The real-world labels are data the whole project is held to; keep them well-formed.

The packages themselves are fetched only by ``tox -e realworld`` (they are not in the repository);
these checks need nothing but the files in ``evaluation/``.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from evaluation.corpus import APP_LABELS, APP_PACKAGES, LABELS, packages, read_labels  # noqa: E402
from flake8_otel_context.rules import DEFAULT_ON  # noqa: E402


def test_at_least_fifteen_packages_are_pinned_to_an_exact_version() -> None:
    pinned = packages()
    assert len(pinned) >= 15
    assert len({p.name for p in pinned}) == len(pinned)
    assert all(p.version and p.version[0].isdigit() and p.why for p in pinned)


def test_at_least_150_sites_are_labelled_and_clean_sites_are_among_them() -> None:
    labels = read_labels()
    assert len(labels) >= 150
    verdicts = Counter(bool(label.expected) for label in labels)
    assert verdicts[True] >= 30 and verdicts[False] >= 30


def test_every_label_names_a_pinned_package_a_default_rule_and_a_reason() -> None:
    names = {p.name for p in packages()}
    for label in read_labels():
        assert label.package in names, label
        assert label.expected <= set(DEFAULT_ON), label
        assert label.line > 0 and label.path.endswith(".py") and label.reason.strip(), label


def test_each_site_is_labelled_once_and_the_file_stays_sorted() -> None:
    labels = read_labels()
    keys = [label.key for label in labels]
    assert len(set(keys)) == len(keys)
    assert keys == sorted(keys), f"{LABELS.name} is kept sorted; write it with evaluation.corpus.write_labels"


# The application-style corpus (evaluation/apps/): every boundary call of each package, labelled.
APP_PREFIXES = ("lost:", "not a boundary:", "no span:", "untraced:", "carried:")
BOUNDARY_CODES = {"OTC101", "OTC102", "OTC103", "OTC104"}


def test_the_application_corpus_pins_at_least_twelve_projects_some_before_and_after_a_fix() -> None:
    pinned = packages(APP_PACKAGES)
    names = Counter(p.name for p in pinned)
    assert len(names) >= 12
    assert len({p.pin for p in pinned}) == len(pinned)
    assert sum(1 for count in names.values() if count >= 2) >= 5  # broken and fixed releases
    assert all(p.version[0].isdigit() and p.why for p in pinned)


def test_the_application_corpus_has_150_sites_and_25_real_losses() -> None:
    labels = read_labels(APP_LABELS)
    assert len(labels) >= 150
    assert sum(1 for label in labels if label.expected) >= 25


def test_every_application_label_says_which_condition_holds_or_fails() -> None:
    pins = {p.pin for p in packages(APP_PACKAGES)}
    keys = []
    for label in read_labels(APP_LABELS):
        keys.append(label.key)
        assert label.package in pins, label
        assert label.expected <= BOUNDARY_CODES, label
        assert label.reason.startswith(APP_PREFIXES), label
        assert label.reason.startswith("lost:") == bool(label.expected), label
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
