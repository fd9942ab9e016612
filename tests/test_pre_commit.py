"""The hooks of ``.pre-commit-hooks.yaml``, run by pre-commit in a repository that uses them.

pre-commit installs a hook repository from a git commit, so the tests commit a snapshot of this
checkout as it would be committed (tracked files with their edits, plus new files git does not
ignore). The main tests point a throwaway repository's ``.pre-commit-config.yaml`` at it and share
one pre-commit store, so the hook environment is installed once; one more runs ``pre-commit
try-repo`` on the snapshot (try-repo on the checkout itself would leave uncommitted new files out
of its temporary commit).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

# OTC101: the fix hook passes contextvars.copy_context().run to run_in_executor and imports contextvars.
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
FIXED_CALL = "loop.run_in_executor(None, contextvars.copy_context().run, work)"
HOOKS = ("otel-context-check", "otel-context-fix")


def _environment(**extra: str) -> dict[str, str]:
    # GIT_DIR and friends (set when the suite runs inside a git hook) would point git elsewhere.
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    environment.update(extra)
    return environment


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def _new_repository(path: Path) -> Path:
    path.mkdir()
    _git("init", "-q", cwd=path)
    _git("config", "user.name", "pre-commit test", cwd=path)
    _git("config", "user.email", "pre-commit-test@example.invalid", cwd=path)
    return path


@pytest.fixture(scope="session")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A commit of this checkout's working tree, as pre-commit needs one: (path, commit)."""
    if shutil.which("git") is None:
        pytest.skip("git is not on PATH")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
    )
    if listed.returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout")
    snapshot = _new_repository(tmp_path_factory.mktemp("hooks") / "flake8-otel-context")
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    _git("add", "-A", cwd=snapshot)
    _git("commit", "-q", "-m", "snapshot", cwd=snapshot)
    return snapshot, _git("rev-parse", "HEAD", cwd=snapshot).strip()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit store for the session: the hook environment is installed once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path: Path, hook_repository: tuple[Path, str]) -> Path:
    """A repository using both hooks, with ``broken.py`` staged."""
    repository, commit = hook_repository
    project = _new_repository(tmp_path / "project")
    hooks = "".join(f"    -   id: {hook}\n" for hook in HOOKS)
    config = f"repos:\n-   repo: {repository.as_posix()}\n    rev: {commit}\n    hooks:\n{hooks}"
    (project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    _git("add", ".pre-commit-config.yaml", cwd=project)
    _git("commit", "-q", "-m", "use the hooks", cwd=project)
    (project / "broken.py").write_text(BROKEN, encoding="utf-8")
    _git("add", "broken.py", cwd=project)
    return project


def _run_hook(hook: str, project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook, "--color=never", "--files", "broken.py"],
        cwd=project,
        env=_environment(PRE_COMMIT_HOME=str(home)),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_check_hook_fails_and_writes_nothing(project: Path, pre_commit_home: Path) -> None:
    done = _run_hook("otel-context-check", project, pre_commit_home)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "otel-context-check" in output and "Failed" in output, output
    assert "broken.py: would fix OTC101 (line 16)" in output, output
    assert (project / "broken.py").read_text(encoding="utf-8") == BROKEN


def test_fix_hook_rewrites_then_passes(project: Path, pre_commit_home: Path) -> None:
    done = _run_hook("otel-context-fix", project, pre_commit_home)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "broken.py: fixed OTC101 (line 16)" in output, output
    fixed = (project / "broken.py").read_text(encoding="utf-8")
    assert FIXED_CALL in fixed
    assert "import contextvars\n" in fixed
    compile(fixed, "broken.py", "exec")

    _git("add", "broken.py", cwd=project)  # as the user does before committing again
    again = _run_hook("otel-context-fix", project, pre_commit_home)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Passed" in again.stdout, again.stdout
    assert (project / "broken.py").read_text(encoding="utf-8") == fixed


def test_try_repo_runs_both_hooks_from_the_checkout(
    tmp_path: Path, hook_repository: tuple[Path, str]
) -> None:
    """What a contributor types to try the hooks: ``pre-commit try-repo`` (on the snapshot above,
    so that files not yet committed in this checkout are included)."""
    repository, _ = hook_repository
    project = _new_repository(tmp_path / "trying")
    (project / "broken.py").write_text(BROKEN, encoding="utf-8")
    _git("add", "broken.py", cwd=project)

    def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pre_commit", "try-repo", str(repository), hook]
        return subprocess.run(
            [*command, "--color=never", "--files", "broken.py"],
            cwd=project,
            env=_environment(PRE_COMMIT_HOME=str(tmp_path / "home")),
            capture_output=True,
            text=True,
            timeout=600,
        )

    checked = try_repo("otel-context-check")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert (project / "broken.py").read_text(encoding="utf-8") == BROKEN
    fixed = try_repo("otel-context-fix")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert FIXED_CALL in (project / "broken.py").read_text(encoding="utf-8")
