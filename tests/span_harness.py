"""Run one fixture program under the OpenTelemetry SDK and report its span tree as JSON.

Fixtures are ordinary programs: they only use the OpenTelemetry API, so they run (as no-ops) without
an SDK. This harness installs a TracerProvider with an in-memory exporter, runs the fixture as
``__main__`` in a fresh interpreter (so a fixture that leaks an attached context cannot disturb
another), and prints what was exported together with the fixture's ``EXPECTED_PARENTS`` verdict.

Usage: python tests/span_harness.py FIXTURE.py
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


def span_records(exporter: InMemorySpanExporter) -> list[dict[str, Any]]:
    records = []
    for span in exporter.get_finished_spans():
        records.append(
            {
                "name": span.name,
                "trace_id": span.context.trace_id,
                "span_id": span.context.span_id,
                "parent_id": span.parent.span_id if span.parent else None,
                "attributes": dict(span.attributes or {}),
            }
        )
    return records


def mismatches(records: list[dict[str, Any]], expected: dict[str, str | None]) -> list[str]:
    """Every way the exported tree differs from ``expected`` (span name -> parent name or None)."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_name.setdefault(record["name"], []).append(record)
    problems = []
    for name, parent_name in expected.items():
        spans = by_name.get(name)
        if not spans:
            problems.append(f"{name}: never exported")
            continue
        for span in spans:
            if parent_name is None:
                if span["parent_id"] is not None:
                    problems.append(f"{name}: expected a root span, has a parent")
                continue
            parents = by_name.get(parent_name, [])
            if not any(
                p["span_id"] == span["parent_id"] and p["trace_id"] == span["trace_id"] for p in parents
            ):
                actual = next(
                    (r["name"] for r in records if r["span_id"] == span["parent_id"]),
                    "nothing (a new root trace)" if span["parent_id"] is None else "an unknown span",
                )
                problems.append(f"{name}: expected parent {parent_name}, got {actual}")
    return problems


def attribute_mismatches(records: list[dict[str, Any]], expected: dict[str, dict[str, Any]]) -> list[str]:
    """Every span named in ``expected`` (span name -> attribute -> value, None for not set) whose
    attributes differ: a context value that leaks tags spans it was never meant for."""
    problems = []
    for record in records:
        for key, value in expected.get(record["name"], {}).items():
            actual = record.get("attributes", {}).get(key)
            if actual != value:
                problems.append(f"{record['name']}: expected {key}={value!r}, got {actual!r}")
    return problems


def main(path: str) -> int:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    sys.argv = [path]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))  # as ``python path`` would
    namespace = runpy.run_path(path, run_name="__main__")
    provider.force_flush()
    records = span_records(exporter) + list(namespace.get("EXTRA_SPANS", []))
    expected = namespace["EXPECTED_PARENTS"]
    problems = mismatches(records, expected)
    problems += attribute_mismatches(records, namespace.get("EXPECTED_ATTRIBUTES", {}))
    json.dump(
        {"spans": records, "expected": expected, "mismatches": problems},
        sys.stdout,
        indent=1,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
