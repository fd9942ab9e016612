"""What a new user meets in the first hour: the README's commands tell the truth about their code,
and every code the tool can print is explained."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_otel_context.cli.main import main

README = Path(__file__).resolve().parent.parent / "README.md"
CORRECT_ASYNC = """\
import asyncio

from opentelemetry import trace

tracer = trace.get_tracer(__name__)


async def handle():
    with tracer.start_as_current_span("request"):
        await asyncio.gather(asyncio.sleep(0))
"""


def recommended_flake8() -> list[str]:
    """The plugin-only invocation the README recommends, as written there."""
    match = re.search(r"^flake8 (--select=\S+ --extend-ignore=\S+) src/", README.read_text(), re.MULTILINE)
    assert match, "the README's install section no longer shows the plugin-only command"
    return match.group(1).split()


def flake8(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "flake8", "--otc-cache-dir=none", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False)


def test_the_recommended_command_fails_on_a_mistyped_path(tmp_path: Path) -> None:
    result = flake8(tmp_path, *recommended_flake8(), "no_such_dir/")
    assert result.returncode == 1 and "E902" in result.stdout


def test_the_recommended_command_fails_on_a_file_that_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("from opentelemetry import trace\ndef broken(:\n")
    result = flake8(tmp_path, *recommended_flake8(), "broken.py")
    assert result.returncode == 1 and "E999" in result.stdout


def test_the_recommended_command_does_not_turn_on_the_opt_in_rule(tmp_path: Path) -> None:
    (tmp_path / "service.py").write_text(CORRECT_ASYNC)
    for scope in ("project", "async"):
        result = flake8(tmp_path, *recommended_flake8(), f"--otc-span-scope={scope}", "service.py")
        assert (result.returncode, result.stdout) == (0, ""), scope


@pytest.mark.parametrize("argv", [["--list-rules"], ["--explain", "otc900"]])
def test_every_code_the_tool_prints_is_listed_and_explained(argv: list[str]) -> None:
    out = io.StringIO()
    assert main(argv, out=out, err=io.StringIO()) == 0
    assert "OTC900" in out.getvalue() and "file-not-analysed" in out.getvalue()
