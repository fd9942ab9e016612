"""The fix command takes the options a flake8 user already has, and works where ruff and black do:
per-file-ignores, --extend-exclude, a selection with no OTC rule, standard input."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_otel_context.cli.main import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BROKEN = FIXTURES / "OTC101" / "fire_run_in_executor_default_pool.py"
TWO_FINDINGS = FIXTURES / "service" / "broken_order_service.py"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tests").mkdir()
    shutil.copy(BROKEN, tmp_path / "service.py")
    shutil.copy(BROKEN, tmp_path / "tests" / "test_service.py")
    return tmp_path


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Exit status, standard output and standard error, as a user sees them."""
    completed = subprocess.run(
        [sys.executable, "-m", "flake8_otel_context.cli.main", "--otc-cache-dir=none", *args],
        input=stdin,
        capture_output=True,
        check=False,
    )
    return completed.returncode, completed.stdout.decode(), completed.stderr.decode()


def check(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    err = io.StringIO()
    try:
        status = main(["--check", "-j", "1", "--otc-cache-dir=none", *args], out=out, err=err)
    except SystemExit as exit:
        status = int(exit.code or 0)
    return status, out.getvalue() + err.getvalue()


def test_per_file_ignores_from_flake8_s_config_skip_those_files_only(project: Path) -> None:
    (project / "setup.cfg").write_text("[flake8]\nper-file-ignores =\n    tests/*: OTC1\n")
    status, output = check(".")
    assert status == 1
    assert "service.py: would fix OTC101" in output
    assert "test_service.py" not in output


def test_the_most_specific_per_file_pattern_wins_as_in_flake8(project: Path) -> None:
    status, output = check("--per-file-ignores", "*.py:OTC1 tests/*.py:OTC2", ".")
    assert "test_service.py: would fix OTC101" in output
    assert "./service.py" not in output


def test_a_malformed_per_file_ignores_is_a_usage_error_naming_the_file(project: Path) -> None:
    (project / "setup.cfg").write_text("[flake8]\nper-file-ignores = tests/*\n")
    status, _, err = run(".")
    assert status == 2
    assert "[flake8]: per-file-ignores: Expected `per-file-ignores` to be a mapping" in err


def test_extend_exclude_adds_to_the_default_excludes(project: Path) -> None:
    status, output = check("--extend-exclude", "tests", ".")
    assert "service.py: would fix" in output
    assert "test_service.py" not in output


def test_a_configuration_that_selects_no_otc_rule_says_so_instead_of_doing_nothing(project: Path) -> None:
    (project / "setup.cfg").write_text("[flake8]\nselect = H\n")
    status, output = check(".")
    assert status == 2
    assert output.count("\n") == 1
    assert "leaves no OTC rule to check" in output


def test_would_fix_lists_its_findings_in_line_order(tmp_path: Path) -> None:
    path = tmp_path / "service.py"
    shutil.copy(TWO_FINDINGS, path)
    status, output = check(str(path))
    listed = output.split("would fix ")[1].split("\n")[0]  # OTC101 (line 61), OTC102 (line 67), ...
    lines = [int(item.split("line ")[1].rstrip(")")) for item in listed.split(", ")]
    assert status == 1
    assert len(lines) == 3 and lines == sorted(lines)


def test_standard_input_is_fixed_onto_standard_output(project: Path) -> None:
    source = BROKEN.read_bytes()
    status, out, err = run("--stdin-filename", "service.py", "-", stdin=source)
    assert status == 1
    assert "contextvars.copy_context().run" in out
    assert out != source.decode()
    assert "fixed OTC101" in err


def test_standard_input_honours_the_per_file_ignores_of_the_name_it_stands_for(project: Path) -> None:
    source = BROKEN.read_bytes()
    args = ("--per-file-ignores", "tests/*:OTC1", "--stdin-filename", "tests/test_service.py", "-")
    status, out, _ = run(*args, stdin=source)
    assert status == 0
    assert out.encode() == source


def test_standard_input_that_does_not_parse_comes_back_unchanged_with_one_line(project: Path) -> None:
    """An editor replaces its buffer with what it gets back: never an empty one."""
    source = b"from opentelemetry import trace\n\ndef broken(:\n    pass\n"
    status, out, err = run("-", stdin=source)
    assert status == 2
    assert out.encode() == source
    assert err == "stdin.py: skipped: syntax error at line 3: invalid syntax; not changed\n"


def test_standard_input_with_diff_prints_only_the_diff(project: Path) -> None:
    status, out, _ = run("--diff", "--stdin-filename", "service.py", "-", stdin=BROKEN.read_bytes())
    assert status == 1
    assert out.startswith("--- a/service.py")
