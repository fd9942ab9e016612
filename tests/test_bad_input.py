"""Hostile files: the plugin reports what it can and never takes flake8 down."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flake8_otel_context.checker import NOT_ANALYSED, analyze, analyze_source
from flake8_run import flake8, write

SPAN_HEADER = "from opentelemetry import trace\ntracer = trace.get_tracer(__name__)\n"


def test_deeply_nested_expression_is_reported_as_not_analysed_instead_of_crashing() -> None:
    source = SPAN_HEADER + "total = " + " + ".join(["a"] * 2000) + "\n"
    try:
        tree = ast.parse(source)
    except RecursionError:
        pytest.skip("this Python cannot parse it either (flake8 then reports E999)")
    findings = analyze(tree, source)
    assert [(f.line, f.code) for f in findings] == [(1, NOT_ANALYSED)]
    assert "nested too deeply" in findings[0].message


def test_deep_expression_that_python_cannot_parse_has_no_findings() -> None:
    assert analyze_source(SPAN_HEADER + "x = " + "(" * 1000 + ")" * 1000 + "\n") == []


def test_huge_file_is_analysed() -> None:
    body = "".join(
        f"def handler_{i}(pool: ThreadPoolExecutor):\n"
        f"    with tracer.start_as_current_span('s{i}'):\n"
        f"        pool.submit(work, {i})\n"
        for i in range(3400)
    )
    source = "from concurrent.futures import ThreadPoolExecutor\n" + SPAN_HEADER + body
    assert len(source.splitlines()) > 10_000
    findings = analyze_source(source)
    assert len(findings) == 3400 and {f.code for f in findings} == {"OTC102"}


def test_null_bytes_and_syntax_errors_are_not_analysed() -> None:
    assert analyze_source(SPAN_HEADER + "x = 1\0\n") == []
    assert analyze_source(SPAN_HEADER + "def f(:\n") == []


def test_python2_code_is_flake8s_e999_not_our_crash(tmp_path: Path) -> None:
    write(tmp_path, "legacy.py", "from opentelemetry import trace\nprint 'hello'\n")
    result = flake8(tmp_path)
    assert result.codes == [(2, "E999")] and "Traceback" not in result.stderr


def test_declared_latin1_encoding_is_read(tmp_path: Path) -> None:
    source = (
        "# -*- coding: latin-1 -*-\n"
        "import threading\nfrom opentelemetry import trace\n"
        "tracer = trace.get_tracer(__name__)\n"
        "def handle():\n"
        "    with tracer.start_as_current_span('caf\xe9'):\n"
        "        threading.Thread(target=work).start()\n"
    )
    (tmp_path / "latin.py").write_bytes(source.encode("latin-1"))
    result = flake8(tmp_path)
    assert result.codes == [(7, "OTC103")] and "Traceback" not in result.stderr


def test_undecodable_bytes_do_not_crash_the_run(tmp_path: Path) -> None:
    (tmp_path / "garbage.py").write_bytes(b"from opentelemetry import trace\nx = '\xff\xfe'\n")
    write(tmp_path, "other.py", "import threading\n")
    result = flake8(tmp_path)
    assert "Traceback" not in result.stderr
    assert result.status == 1  # flake8 reports the undecodable file (E902/E999) and goes on
