"""Where the fix command takes its options from: flake8's config files, pyproject.toml, the command
line (which wins), and what it says when a file holds something it cannot use."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_otel_context.cli.main import main
from flake8_otel_context.cli.selection import selected_codes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BROKEN = FIXTURES / "OTC101" / "fire_run_in_executor_default_pool.py"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(BROKEN, tmp_path / "service.py")
    return tmp_path


def check(*args: str) -> tuple[int, str]:
    """Exit status and error output; usage errors come from argparse, which writes to sys.stderr."""
    err = io.StringIO()
    try:
        status = main(["--check", *args, "service.py"], out=io.StringIO(), err=err)
    except SystemExit as exit:
        status = int(exit.code or 0)
    return status, err.getvalue()


@pytest.mark.parametrize("name", ["setup.cfg", "tox.ini", ".flake8"])
def test_flake8_config_files_are_read(project: Path, name: str) -> None:
    (project / name).write_text("[flake8]\nextend-ignore = OTC101\n")
    assert check()[0] == 0


def test_flake8_options_of_this_plugin_apply_to_the_fixer(project: Path) -> None:
    """Threads declared instrumented project-wide: nothing to fix. Other flake8 keys are flake8's."""
    (project / "setup.cfg").write_text("[flake8]\nmax-line-length = 99\notc-propagating = threading\n")
    assert check()[0] == 0


def test_pyproject_table_is_read_and_wins_over_flake8_config(project: Path) -> None:
    (project / "setup.cfg").write_text("[flake8]\notc-propagating = threading\n")
    (project / "pyproject.toml").write_text('[tool.flake8-otel-context]\notc-propagating = []\n')
    assert check()[0] == 1


def test_command_line_wins_over_every_file(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.flake8-otel-context]\nignore = ["OTC101"]\n')
    assert check()[0] == 0
    assert check("--ignore", "OTC2")[0] == 1


def test_isolated_ignores_configuration(project: Path) -> None:
    (project / "setup.cfg").write_text("[flake8]\nextend-ignore = OTC1\n")
    assert check("--isolated")[0] == 1


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pyproject.toml", '[tool.flake8-otel-context]\nselec = ["OTC1"]\n', "unknown option 'selec'"),
        ("pyproject.toml", '[tool.flake8-otel-context]\nstyle = "copy"\n', "style must be one of auto"),
        ("pyproject.toml", "[tool.flake8-otel-context]\nselect = 101\n", "must be a string or a list"),
        ("pyproject.toml", '[tool.flake8-otel-context]\nignore = ["otc101"]\n', "is not an error code"),
        ("pyproject.toml", "[tool.flake8-otel-context\n", "pyproject.toml"),
        ("setup.cfg", "[flake8]\notc-span-scope = bogus\n", "otc-span-scope must be one of project, lexical"),
        ("setup.cfg", "[flake8]\notc-spanscope = lexical\n", "unknown option 'otc-spanscope'"),
    ],
)
def test_bad_configuration_is_a_usage_error_naming_the_file(
    project: Path, name: str, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / name).write_text(text)
    status, _ = check()
    err = capsys.readouterr().err
    assert status == 2
    assert message in err
    assert name in err or name == "setup.cfg" and "[flake8]" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "otc-span-scope = bogus",
            "otc-span-scope must be one of project, lexical, public, async, function, everywhere",
        ),
        ("otc-span-scopes = async", "unknown option 'otc-span-scopes'"),
    ],
)
def test_flake8_rejects_a_bad_or_unknown_otc_key_in_one_line_naming_the_file(
    project: Path, text: str, message: str
) -> None:
    """flake8 ignores keys no option claims, and reports a bad value in two lines without the file,
    with the status of findings: the plugin says it in one line, with the usage-error status."""
    (project / "setup.cfg").write_text(f"[flake8]\n{text}\n")
    completed = subprocess.run(
        [sys.executable, "-m", "flake8", "service.py"], capture_output=True, text=True, cwd=project
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    [line] = completed.stderr.splitlines()
    assert line.startswith(f"flake8-otel-context: {project / 'setup.cfg'} [flake8]: {message}")


@pytest.mark.parametrize(
    ("select", "ignore", "has", "lacks"),
    [
        ([], [], "OTC101", "OTC210"),
        (["OTC"], [], "OTC210", ""),
        ([], ["OTC1"], "OTC201", "OTC101"),
        (["OTC101"], ["OTC1"], "OTC101", "OTC102"),
        (["OTC1"], ["OTC1"], "", "OTC101"),
    ],
)
def test_selection_follows_flake8_longest_prefix_wins(
    select: list[str], ignore: list[str], has: str, lacks: str
) -> None:
    codes = selected_codes(select, ignore)
    assert not has or has in codes
    assert not lacks or lacks not in codes


@pytest.mark.parametrize("table", ["flake8_otel_context", "flake8-otel_context", "flake8-otel-contexts"])
def test_a_misspelt_pyproject_table_is_not_silently_ignored(
    project: Path, table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(f'[tool.{table}]\nignore = ["OTC101"]\n')
    status, _ = check()
    assert status == 2
    assert f"[tool.{table}] is not read; did you mean [tool.flake8-otel-context]?" in capsys.readouterr().err


def test_a_table_of_another_tool_is_not_a_near_miss(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.flake8]\nmax-line-length = 99\n')
    assert check()[0] == 1
