"""``otel-context-fix`` as a user runs it: exit statuses, what is written, and files it must not harm.

Every test works on copies in ``tmp_path``; nothing under ``fixtures/`` is touched in place.
"""

from __future__ import annotations

import io
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from flake8_otel_context.cli.main import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# OTC101: the fixer passes contextvars.copy_context().run to run_in_executor and imports contextvars.
FIXABLE = """\
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
FLAGGED_LINE = 16
FIXED_CALL = "loop.run_in_executor(None, contextvars.copy_context().run, work)"

CLEAN = """\
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def handler() -> int:
    with tracer.start_as_current_span("request"):
        return 1
"""

# OTC104 is never rewritten: a child process needs a carrier, which changes what the worker receives.
NOT_FIXABLE = FIXTURES / "OTC104" / "fire_multiprocessing_process.py"


class Run:
    """One in-process run of the command, with what it printed on each stream."""

    def __init__(self, *argv: str | Path) -> None:
        out, err = io.StringIO(), io.StringIO()
        self.status = main([str(arg) for arg in argv], out=out, err=err)
        self.out = out.getvalue()
        self.err = err.getvalue()


def fixable(directory: Path, name: str = "app.py", text: str = FIXABLE) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def with_comment_on_flagged_line(comment: str) -> str:
    lines = FIXABLE.splitlines(keepends=True)
    lines[FLAGGED_LINE - 1] = lines[FLAGGED_LINE - 1].rstrip("\n") + f"  {comment}\n"
    return "".join(lines)


def snapshot(directory: Path) -> dict[str, bytes]:
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    return {str(p.relative_to(directory)): p.read_bytes() for p in files}


# Exit statuses


def test_clean_file_exits_0_and_is_not_rewritten(tmp_path: Path) -> None:
    path = fixable(tmp_path, "clean.py", CLEAN)
    before = path.stat().st_mtime_ns
    run = Run("-j", "1", path)
    assert run.status == 0
    assert path.read_text(encoding="utf-8") == CLEAN
    assert path.stat().st_mtime_ns == before
    assert "0 of 1 file fixed" in run.err


def test_only_a_not_auto_fixable_finding_exits_0_and_prints_its_reason(tmp_path: Path) -> None:
    """Declined findings are for a person to read; flake8 already fails on them, so the fixer does not."""
    path = tmp_path / NOT_FIXABLE.name
    shutil.copyfile(NOT_FIXABLE, path)
    before = path.read_bytes()
    run = Run("-j", "1", path)
    assert run.status == 0
    assert path.read_bytes() == before
    line, text = next(
        (n, text) for n, text in enumerate(before.decode().splitlines(), 1) if "# expect: OTC104" in text
    )
    column = text.index("spawn.Process") + 1
    assert f"{path}:{line}:{column}: OTC104 not auto-fixable: a child process" in run.out
    assert "1 finding left for a person" in run.err


def test_fixable_file_is_rewritten_and_exits_1(tmp_path: Path) -> None:
    path = fixable(tmp_path)
    run = Run("-j", "1", path)
    assert run.status == 1
    fixed = path.read_text(encoding="utf-8")
    assert FIXED_CALL in fixed and "import contextvars\n" in fixed
    assert f"{path}: fixed OTC101 (line {FLAGGED_LINE})" in run.out
    assert "1 of 1 file fixed" in run.err


def test_missing_path_is_reported_and_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.py"
    run = Run("-j", "1", missing)
    assert run.status == 2
    assert f"{missing}: skipped: cannot read it" in run.err
    assert not missing.exists()


def test_missing_path_does_not_stop_the_other_files(tmp_path: Path) -> None:
    path = fixable(tmp_path)
    run = Run("-j", "1", tmp_path / "missing.py", path)
    assert run.status == 2
    assert FIXED_CALL in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "argv",
    [
        ["--jobs", "0"],
        ["-j", "-3"],
        ["--jobs", "many"],
        ["--no-such-option"],
        ["--diff", "--check"],
        ["--style", "rewrite-everything"],
        [],
    ],
    ids=["jobs-0", "negative-jobs", "jobs-not-a-number", "unknown-option", "diff-and-check", "bad-style",
         "no-path"],
)
def test_usage_errors_exit_2_before_touching_any_file(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = fixable(tmp_path)
    paths = [str(path)] if argv else []
    with pytest.raises(SystemExit) as raised:
        main([*argv, *paths], out=io.StringIO(), err=io.StringIO())
    assert raised.value.code == 2
    assert "usage: otel-context-fix" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == FIXABLE


def test_help_exits_0_and_documents_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--help"])
    assert raised.value.code == 0
    text = capsys.readouterr().out
    assert "exit status:" in text
    for status in ("0  nothing to change", "1  files were changed", "2  usage error"):
        assert status in text


# --diff and --check write nothing


def test_diff_prints_a_unified_diff_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    path = fixable(tmp_path)
    before = path.read_bytes()
    run = Run("--diff", "-j", "1", path)
    assert run.status == 1
    assert path.read_bytes() == before
    assert run.out.startswith(f"--- a/{path}\n+++ b/{path}\n@@ ")
    assert "+import contextvars\n" in run.out
    assert "-        return await loop.run_in_executor(None, work)\n" in run.out
    assert f"+        return await {FIXED_CALL}\n" in run.out


def test_diff_keeps_messages_off_stdout_so_the_patch_applies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --diff, stdout is exactly the patch: 'would fix' and declined findings go to stderr."""
    fixable(tmp_path)
    shutil.copyfile(NOT_FIXABLE, tmp_path / "child.py")
    monkeypatch.chdir(tmp_path)
    run = Run("--diff", "-j", "1", ".")
    assert run.status == 1
    assert "would fix OTC101" in run.err and "OTC104 not auto-fixable" in run.err
    assert "would fix" not in run.out and "not auto-fixable" not in run.out
    assert all(line[:1] in ("-", "+", " ", "@") for line in run.out.splitlines())


def test_diff_output_applies_with_patch_to_the_same_result_as_a_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("patch") is None:
        pytest.skip("patch is not installed")
    work, expected = tmp_path / "work", tmp_path / "expected"
    for directory in (work, expected):
        (directory / "pkg").mkdir(parents=True)
        fixable(directory / "pkg")
    monkeypatch.chdir(expected)
    assert Run("-j", "1", "pkg").status == 1
    monkeypatch.chdir(work)
    diff = Run("--diff", "-j", "1", "pkg").out
    subprocess.run(["patch", "-p1", "--quiet"], input=diff, text=True, check=True, cwd=work)
    assert (work / "pkg" / "app.py").read_bytes() == (expected / "pkg" / "app.py").read_bytes()


def test_diff_output_passes_git_apply_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    fixable(tmp_path)
    monkeypatch.chdir(tmp_path)
    run = Run("--diff", "-j", "1", "app.py")
    assert run.status == 1
    subprocess.run(["git", "apply", "--check"], input=run.out, text=True, check=True, cwd=tmp_path)


def test_check_writes_nothing_and_exits_1_when_something_would_change(tmp_path: Path) -> None:
    path = fixable(tmp_path)
    before = path.read_bytes()
    run = Run("--check", "-j", "1", path)
    assert run.status == 1
    assert path.read_bytes() == before
    assert f"{path}: would fix OTC101 (line {FLAGGED_LINE})" in run.out
    assert "---" not in run.out  # --check reports, it does not print a diff
    assert "1 of 1 file would be fixed" in run.err


def test_check_exits_0_when_nothing_would_change(tmp_path: Path) -> None:
    fixable(tmp_path, "clean.py", CLEAN)
    shutil.copyfile(NOT_FIXABLE, tmp_path / "child.py")
    before = snapshot(tmp_path)
    assert Run("--check", "-j", "1", tmp_path).status == 0
    assert snapshot(tmp_path) == before


# Several files, several processes


def test_parallel_run_gives_the_same_results_as_a_serial_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """-j only changes how fast it goes: same files written, same messages in the same order, same status."""
    runs = {}
    for jobs in ("1", "2"):
        project = tmp_path / f"jobs{jobs}"
        (project / "src" / "sub").mkdir(parents=True)
        for index in range(3):
            fixable(project / "src", f"fix_{index}.py")
            fixable(project / "src" / "sub", f"fix_{index}.py")
        fixable(project / "src", "clean.py", CLEAN)
        shutil.copyfile(NOT_FIXABLE, project / "src" / "sub" / "child.py")
        monkeypatch.chdir(project)
        run = Run("-j", jobs, "src")
        runs[jobs] = (run.status, run.out, run.err, snapshot(project))
    assert runs["1"] == runs["2"]
    status, out, err, files = runs["2"]
    assert status == 1
    assert "6 of 8 files fixed, 1 finding left for a person" in err
    assert sum(FIXED_CALL in data.decode() for data in files.values()) == 6


# Files that cannot be fixed are reported and left exactly as they were


def test_syntax_error_file_is_skipped_and_the_others_are_still_fixed(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_bytes(b"from opentelemetry import trace\n\n\ndef handler(:\n    pass\n")
    path = fixable(tmp_path)
    before = broken.read_bytes()
    run = Run("-j", "1", tmp_path)
    assert run.status == 2
    assert f"{broken}: skipped: syntax error at line 4" in run.err
    assert broken.read_bytes() == before
    assert FIXED_CALL in path.read_text(encoding="utf-8")
    assert "1 of 2 files fixed, 1 file skipped" in run.err


def test_read_only_file_is_skipped_and_not_replaced(tmp_path: Path) -> None:
    path = fixable(tmp_path)
    path.chmod(0o444)  # also refused as root, who could write it: the rename would bypass the mode
    before = path.read_bytes()
    run = Run("-j", "1", path)
    assert run.status == 2
    assert f"{path}: skipped: it is read-only" in run.err
    assert path.read_bytes() == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_undecodable_file_without_a_cookie_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "garbage.py"
    path.write_bytes(FIXABLE.encode() + b"# caf\xe9 in latin-1, with no declaration\n")
    before = path.read_bytes()
    run = Run("-j", "1", path)
    assert run.status == 2
    assert f"{path}: skipped: cannot decode it" in run.err
    assert "not changed" in run.err
    assert path.read_bytes() == before


def test_undecodable_first_line_is_skipped(tmp_path: Path) -> None:
    """A bad byte in the first two lines fails Python's encoding detection itself."""
    path = tmp_path / "garbage.py"
    path.write_bytes(b"# \xff\xfe\n" + FIXABLE.encode())
    before = path.read_bytes()
    run = Run("-j", "1", path)
    assert run.status == 2
    assert f"{path}: skipped:" in run.err
    assert path.read_bytes() == before


# A rewrite changes the code and nothing else about the file


def test_crlf_line_endings_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "windows.py"
    path.write_bytes(FIXABLE.replace("\n", "\r\n").encode())
    assert Run("-j", "1", path).status == 1
    data = path.read_bytes()
    assert FIXED_CALL.encode() in data and b"import contextvars\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.endswith(b"\r\n")


def test_byte_order_mark_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + FIXABLE.encode())
    assert Run("-j", "1", path).status == 1
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfimport asyncio\n")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert FIXED_CALL in data.decode("utf-8-sig")


def test_declared_latin1_file_is_written_back_in_latin1(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    source = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + FIXABLE.replace('"request"', '"caf\xe9"')
    path.write_bytes(source.encode("latin-1"))
    assert Run("-j", "1", path).status == 1
    data = path.read_bytes()
    text = data.decode("latin-1")
    assert text.startswith("# -*- coding: latin-1 -*-\n# caf\xe9\n")
    assert FIXED_CALL in text and 'start_as_current_span("caf\xe9")' in text
    assert data.count(b"caf\xe9") == 2
    assert "caf\xe9".encode() not in data  # not silently re-encoded as UTF-8


def test_file_mode_is_kept_after_a_rewrite(tmp_path: Path) -> None:
    path = fixable(tmp_path)
    path.chmod(0o640)
    assert Run("-j", "1", path).status == 1
    assert FIXED_CALL in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_no_temporary_files_are_left_beside_a_rewritten_file(tmp_path: Path) -> None:
    fixable(tmp_path)
    assert Run("-j", "1", tmp_path).status == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py"]


def test_second_run_has_nothing_left_to_change(tmp_path: Path) -> None:
    path = fixable(tmp_path)
    assert Run("-j", "1", path).status == 1
    once = path.read_bytes()
    again = Run("-j", "1", path)
    assert again.status == 0
    assert path.read_bytes() == once
    assert "0 of 1 file fixed" in again.err


# Which findings are fixed: # noqa and rule selection work as in the flake8 plugin


@pytest.mark.parametrize("comment", ["# noqa", "# noqa: OTC101", "# NOQA:OTC101,E501"])
def test_noqa_for_the_code_leaves_the_line_alone(tmp_path: Path, comment: str) -> None:
    path = fixable(tmp_path, text=with_comment_on_flagged_line(comment))
    before = path.read_bytes()
    run = Run("-j", "1", path)
    assert run.status == 0
    assert path.read_bytes() == before


def test_noqa_for_another_code_does_not_hide_the_finding(tmp_path: Path) -> None:
    path = fixable(tmp_path, text=with_comment_on_flagged_line("# noqa: E501"))
    assert Run("-j", "1", path).status == 1
    assert FIXED_CALL in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "selection",
    [
        ["--ignore", "OTC101"],
        ["--ignore", "OTC1"],
        ["--select", "OTC2,OTC3"],
        ["--select", "OTC1", "--ignore", "OTC101"],
    ],
    ids=["ignore-code", "ignore-prefix", "select-other-rules", "select-then-ignore"],
)
def test_unselected_rule_leaves_the_file_unchanged(tmp_path: Path, selection: list[str]) -> None:
    path = fixable(tmp_path)
    before = path.read_bytes()
    assert Run(*selection, "-j", "1", path).status == 0
    assert path.read_bytes() == before


@pytest.mark.parametrize("selection", [["--select", "OTC101"], ["--select", "OTC1"], ["--ignore", "OTC2"]])
def test_selected_rule_is_fixed(tmp_path: Path, selection: list[str]) -> None:
    path = fixable(tmp_path)
    assert Run(*selection, "-j", "1", path).status == 1
    assert FIXED_CALL in path.read_text(encoding="utf-8")
