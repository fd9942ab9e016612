"""The sdist and wheel as published, and the wheel installed in a fresh virtual environment.

The build runs on a copy of the checkout, so a stale ``build/`` directory cannot leak into the
wheel and nothing (``build/``, ``*.egg-info``) is written into the checkout. It is isolated: the
build backend comes from the index (``[build-system] requires``), not from the test environment.
``python -m build`` with neither ``--sdist`` nor ``--wheel`` builds the wheel from the sdist, which
also shows the sdist holds everything a wheel needs.
"""

from __future__ import annotations

import configparser
import email
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from flake8_otel_context import __version__

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "flake8_otel_context"
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "venv", ".tox", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".*_cache"
)

# OTC101 on line 16: run_in_executor without the caller's context.
BROKEN = """\
import asyncio

from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def work() -> int:
    with tracer.start_as_current_span("work"):
        return 1


async def handler() -> int:
    with tracer.start_as_current_span("request"):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, work)
"""


def _environment() -> dict[str, str]:
    # Nothing may point the new environment back at the checkout or the test environment.
    hidden = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV"}
    return {key: value for key, value in os.environ.items() if key not in hidden}


def _run(command: list[str | Path], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("sources") / "flake8-otel-context"
    shutil.copytree(ROOT, copy, ignore=NOT_SOURCES)
    return copy


@pytest.fixture(scope="module")
def dists(sources: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sdist, wheel), the wheel built from the sdist."""
    out = tmp_path_factory.mktemp("dist")
    done = _run([sys.executable, "-m", "build", "--outdir", out, sources], cwd=sources)
    assert done.returncode == 0, done.stdout + done.stderr
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def venv_bin(dists: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scripts directory of a fresh virtual environment with only the wheel and its dependencies."""
    venv = tmp_path_factory.mktemp("venv")
    work = venv.parent
    done = _run([sys.executable, "-m", "venv", venv], cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    scripts = venv / ("Scripts" if os.name == "nt" else "bin")
    install = [scripts / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", dists[1]]
    done = _run(install, cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    return scripts


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.py"
    path.write_text(BROKEN, encoding="utf-8")
    return path


def test_sdist_contents(dists: tuple[Path, Path]) -> None:
    sdist = dists[0]
    with tarfile.open(sdist) as archive:
        names = {name.partition("/")[2] for name in archive.getnames()}
    needed = (
        "pyproject.toml", "README.md", "PKG-INFO", "LICENSE", "CHANGELOG.md", f"src/{PACKAGE}/py.typed",
        # the tests travel with their support modules and fixtures, so the sdist's suite can run
        "tests/conftest.py", "tests/fixture_files.py", "tests/span_harness.py", "docs/rules.md",
        "fixtures/README.md", "fixtures/service/broken_order_service.py", "tox.ini",
    )
    for name in needed:
        assert name in names, f"{name} missing from {sdist.name}"


def test_wheel_contents(dists: tuple[Path, Path], sources: Path) -> None:
    wheel = dists[1]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (info,) = {name.partition("/")[0] for name in names if ".dist-info/" in name}
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
        metadata = email.message_from_bytes(archive.read(f"{info}/METADATA"))
    assert f"{PACKAGE}/py.typed" in names
    modules = {path.relative_to(sources / "src").as_posix() for path in (sources / "src").rglob("*.py")}
    assert modules - names == set(), "modules missing from the wheel"
    assert metadata["Version"] == __version__, "pyproject.toml's version and __version__ differ"
    points = configparser.ConfigParser(delimiters=("=",))
    points.optionxform = str  # entry point names are case-sensitive
    points.read_string(entry_points)
    assert points["console_scripts"]["otel-context-fix"] == f"{PACKAGE}.cli.main:run"
    assert points["flake8.extension"]["OTC"] == f"{PACKAGE}.plugin:OtelContextChecker"


def test_installed_package_is_the_wheel(venv_bin: Path, tmp_path: Path) -> None:
    done = _run([venv_bin / "python", "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve().is_relative_to(venv_bin.parent.resolve()), done.stdout


def test_flake8_reports_otc(venv_bin: Path, broken: Path) -> None:
    version = _run([venv_bin / "flake8", "--version"], cwd=broken.parent)
    assert version.returncode == 0, version.stderr
    assert f"flake8-otel-context: {__version__}" in version.stdout, version.stdout

    done = _run([venv_bin / "flake8", "--select=OTC", broken.name], cwd=broken.parent)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^broken\.py:16:\d+: OTC101 ", done.stdout, re.MULTILINE), done.stdout


def test_fix_command(venv_bin: Path, broken: Path) -> None:
    version = _run([venv_bin / "otel-context-fix", "--version"], cwd=broken.parent)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"otel-context-fix {__version__}"

    done = _run([venv_bin / "otel-context-fix", "--check", broken.name], cwd=broken.parent)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "broken.py: would fix OTC101 (line 16)" in done.stdout, done.stdout
    assert broken.read_text(encoding="utf-8") == BROKEN
