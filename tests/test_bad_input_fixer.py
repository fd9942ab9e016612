"""Hostile files through ``otel-context-fix``: one line each, exit 2, the run goes on, nothing harmed.

The hostile files are the catalogue of ``test_bad_input.py`` (each one the fixable program ``GOOD``
plus one hostile trait); every run has a plain copy of ``GOOD`` beside them, which must still be
fixed. Runs are in process, one file at a time (``-j 1``), unless a test says otherwise.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flake8_otel_context.cli.main import main
from flake8_otel_context.fixer import files as files_module
from flake8_otel_context.fixer import run as run_module
from flake8_otel_context.fixer.files import SourceFile
from test_bad_input import (
    EXTREME,
    EXTREME_NAMES,
    FIXED_CALL,
    GOOD,
    GOOD_NAME,
    HOSTILE,
    HOSTILE_NAMES,
    LAST,
    FifoWatch,
    Extreme,
    Hostile,
    disk_state,
    extreme_tree,
    hostile_tree,
    needs_mkfifo,
    needs_permissions,
    odd_paths,
    without,
)


@dataclass(frozen=True)
class Fix:
    """One in-process run of the command, with what it printed on each stream."""

    status: int
    out: str
    err: str

    def lines_about(self, path: Path | str) -> list[str]:
        return [line for line in (self.out + self.err).splitlines() if line.startswith(f"{path}:")]


def fix(*argv: str | Path) -> Fix:
    out, err = io.StringIO(), io.StringIO()
    status = main([str(arg) for arg in argv], out=out, err=err)
    return Fix(status, out.getvalue(), err.getvalue())


def good(directory: Path, name: str = GOOD_NAME) -> Path:
    path = directory / name
    path.write_text(GOOD, encoding="utf-8")
    return path


def is_fixed(path: Path) -> bool:
    return FIXED_CALL in path.read_text(encoding="utf-8")


def skipped(path: Path | str, why: str) -> str:
    return f"{path}: skipped: {why}; not changed"


SKIPPED = [hostile for hostile in HOSTILE if hostile.fixer is not None]
MODES = {"write": [], "check": ["--check"], "diff": ["--diff"]}


# Every hostile file in one run, in each mode


@dataclass(frozen=True)
class HostileRun:
    mode: str
    directory: Path
    run: Fix
    before: dict[str, tuple[str, bytes | str]]
    after: dict[str, tuple[str, bytes | str]]


@pytest.fixture(scope="module", params=list(MODES))
def hostile_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    directory = hostile_tree(tmp_path_factory.mktemp(f"hostile-{request.param}"))
    before = disk_state(directory)
    run = fix(*MODES[request.param], "-j", "1", directory)
    return HostileRun(request.param, directory, run, before, disk_state(directory))


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_NAMES)
def test_each_hostile_file_gets_one_clear_line_and_stays_byte_identical(
    hostile_run: HostileRun, hostile: Hostile
) -> None:
    path = hostile_run.directory / hostile.name
    lines = hostile_run.run.lines_about(path)
    if hostile.fixer is None:
        assert lines == []
    else:
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"{path}: skipped: {hostile.fixer}")
        assert lines[0].endswith("; not changed")
        assert lines[0] in hostile_run.run.err.splitlines()
    assert hostile_run.after[hostile.name] == hostile_run.before[hostile.name]


def test_good_file_beside_hostile_ones_is_still_fixed(hostile_run: HostileRun) -> None:
    path = hostile_run.directory / GOOD_NAME
    run = hostile_run.run
    if hostile_run.mode == "write":
        assert is_fixed(path)
        assert run.lines_about(path) == [f"{path}: fixed OTC101 (line {LAST})"]
    else:
        assert path.read_text(encoding="utf-8") == GOOD
        assert f"{path}: would fix OTC101 (line {LAST})" in run.out + run.err
    if hostile_run.mode == "diff":  # stdout is exactly the good file's patch
        assert run.out.startswith(f"--- a/{path}\n+++ b/{path}\n@@ ")
        assert run.out.count("\n--- a/") == 0 and f"+        return await {FIXED_CALL}\n" in run.out


def test_nothing_else_on_disk_changes_and_no_temporary_file_is_left(hostile_run: HostileRun) -> None:
    assert set(hostile_run.after) == set(hostile_run.before)
    assert without(hostile_run.after, GOOD_NAME) == without(hostile_run.before, GOOD_NAME)


def test_run_over_hostile_files_exits_2_with_a_summary_and_no_traceback(hostile_run: HostileRun) -> None:
    run = hostile_run.run
    assert run.status == 2
    assert "Traceback" not in run.out + run.err
    verb = "fixed" if hostile_run.mode == "write" else "would be fixed"
    summary = f"otel-context-fix: 1 of {len(HOSTILE) + 1} files {verb}, {len(SKIPPED)} files skipped"
    assert run.err.splitlines()[-1] == summary


def test_parallel_run_over_hostile_files_reports_like_a_serial_one(tmp_path: Path) -> None:
    directory = hostile_tree(tmp_path)
    serial, parallel = (fix("--check", "-j", jobs, directory) for jobs in ("1", "2"))
    assert parallel == serial
    assert serial.status == 2


def test_console_script_over_hostile_files_exits_2_without_a_traceback(tmp_path: Path) -> None:
    """The console script's entry point in a process of its own, with its default of one process per CPU."""
    directory = hostile_tree(tmp_path)
    before = disk_state(directory)
    completed = subprocess.run(
        [sys.executable, "-c", "from flake8_otel_context.cli.main import run; run()", "."],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stdout + completed.stderr
    assert is_fixed(directory / GOOD_NAME)
    assert without(disk_state(directory), GOOD_NAME) == without(before, GOOD_NAME)
    for hostile in SKIPPED:
        assert f"./{hostile.name}: skipped: {hostile.fixer}" in completed.stderr


def test_json_report_lists_every_skipped_file_as_an_error(tmp_path: Path) -> None:
    directory = hostile_tree(tmp_path)
    run = fix("--check", "--format", "json", "-j", "1", directory)
    assert run.status == 2
    report = json.loads(run.out)
    errors = {Path(error["file"]).name: error["message"] for error in report["errors"]}
    assert set(errors) == {hostile.name for hostile in SKIPPED}
    for hostile in SKIPPED:
        assert errors[hostile.name].startswith(hostile.fixer or "")
    assert [(Path(r["file"]).name, r["line"], r["code"]) for r in report["results"]] == [
        (GOOD_NAME, LAST, "OTC101")
    ]


# Nesting deeper than the analysis can walk


def too_deep_to_analyse(directory: Path) -> Path:
    path = directory / "deep.py"
    path.write_text(GOOD + "total = " + " + ".join(["a"] * 2000) + "\n", encoding="utf-8")
    return path


def test_file_too_deep_to_analyse_is_reported_for_that_file_only_and_the_others_are_fixed(
    tmp_path: Path,
) -> None:
    deep = too_deep_to_analyse(tmp_path)
    before = deep.read_bytes()
    path = good(tmp_path)
    run = fix("-j", "1", tmp_path)
    assert "Traceback" not in run.out + run.err
    [line] = run.lines_about(deep)
    assert "nested too deeply" in line
    assert deep.read_bytes() == before
    assert is_fixed(path)


def test_file_too_deep_to_analyse_exits_2_like_any_file_the_fixer_could_not_process(tmp_path: Path) -> None:
    deep = too_deep_to_analyse(tmp_path)
    run = fix("--check", "-j", "1", deep)
    assert run.status == 2
    [line] = run.lines_about(deep)
    assert line.startswith(f"{deep}: skipped:") and "nested too deeply" in line


def test_an_elif_chain_too_long_for_libcst_is_skipped_with_one_line(tmp_path: Path) -> None:
    # libcst, out of stack in a 1,000-branch ``elif`` chain, fails again in its own clean-up (a
    # ``KeyError`` whose message is a node too deep to print): still one line, never a traceback.
    branches = "".join(
        f"        {'if' if i == 0 else 'elif'} kind == {i}:\n            POOL.submit(print, {i})\n"
        for i in range(1000)
    )
    deep = tmp_path / "router.py"
    deep.write_text(
        "from concurrent.futures import ThreadPoolExecutor\nfrom opentelemetry import trace\n\n"
        "tracer = trace.get_tracer(__name__)\nPOOL = ThreadPoolExecutor()\n\n\n"
        "def route(kind):\n    with tracer.start_as_current_span('route'):\n" + branches,
        encoding="utf-8",
    )
    before = deep.read_bytes()
    run = fix("--otc-span-scope", "lexical", "-j", "1", deep)
    assert "Traceback" not in run.out + run.err
    assert run.lines_about(deep) == [f"{deep}: skipped: it is nested too deeply to rewrite; not changed"]
    assert run.status == 2
    assert deep.read_bytes() == before


# Legal but extreme files are fixed, correctly and promptly


@dataclass(frozen=True)
class ExtremeRun:
    directory: Path
    run: Fix
    seconds: float
    again: Fix


@pytest.fixture(scope="module")
def extreme_run(tmp_path_factory: pytest.TempPathFactory) -> ExtremeRun:
    directory = extreme_tree(tmp_path_factory.mktemp("extreme"))
    started = time.monotonic()
    run = fix("-j", "1", directory)
    seconds = time.monotonic() - started
    return ExtremeRun(directory, run, seconds, fix("--check", "-j", "1", directory))


@pytest.mark.parametrize("extreme", EXTREME, ids=EXTREME_NAMES)
def test_legal_but_extreme_file_is_fixed_where_it_was_flagged(
    extreme_run: ExtremeRun, extreme: Extreme
) -> None:
    path = extreme_run.directory / extreme.name
    [(line, code)] = extreme.found
    assert extreme_run.run.lines_about(path) == [f"{path}: fixed {code} (line {line})"]
    text = path.read_text(encoding="utf-8")
    assert extreme.fixed in text
    compile(text, str(path), "exec", dont_inherit=True)


def test_extreme_files_are_fixed_in_one_run_that_ends_promptly(extreme_run: ExtremeRun) -> None:
    assert extreme_run.run.status == 1
    assert "Traceback" not in extreme_run.run.out + extreme_run.run.err
    assert extreme_run.seconds < 60
    assert sorted(path.name for path in extreme_run.directory.iterdir()) == sorted(EXTREME_NAMES)


def test_second_run_over_fixed_extreme_files_has_nothing_left_to_change(extreme_run: ExtremeRun) -> None:
    assert extreme_run.again.status == 0


# Paths that are not readable files


def test_directory_named_like_a_module_is_searched_not_read(tmp_path: Path) -> None:
    directory = odd_paths(tmp_path)
    run = fix("-j", "1", directory / "package.py", directory / GOOD_NAME)
    assert run.status == 1
    assert run.lines_about(directory / "package.py") == []
    assert is_fixed(directory / GOOD_NAME)


@pytest.mark.parametrize(
    "name, why",
    [
        ("loop_a.py", "cannot read it: Too many levels of symbolic links"),
        ("dangling.py", "cannot read it: No such file or directory"),
        ("missing.py", "cannot read it: No such file or directory"),
    ],
    ids=["symlink-loop", "dangling-symlink", "missing-path"],
)
def test_named_path_that_cannot_be_read_is_skipped_and_the_next_is_fixed(
    tmp_path: Path, name: str, why: str
) -> None:
    directory = odd_paths(tmp_path)
    before = disk_state(directory)
    run = fix("-j", "1", directory / name, directory / GOOD_NAME)
    assert run.status == 2
    assert run.lines_about(directory / name) == [skipped(directory / name, why)]
    assert is_fixed(directory / GOOD_NAME)
    assert without(disk_state(directory), GOOD_NAME) == without(before, GOOD_NAME)


def test_links_that_cannot_be_read_inside_a_directory_are_skipped_and_left_as_they_are(
    tmp_path: Path,
) -> None:
    directory = odd_paths(tmp_path)
    before = disk_state(directory)
    run = fix("-j", "1", directory)
    assert run.status == 2
    assert "Traceback" not in run.out + run.err
    for name, why in [
        ("dangling.py", "No such file or directory"),
        ("loop_a.py", "Too many levels of symbolic links"),
        ("loop_b.py", "Too many levels of symbolic links"),
    ]:
        assert run.lines_about(directory / name) == [skipped(directory / name, f"cannot read it: {why}")]
    assert run.lines_about(directory / "package.py") == []  # a directory: searched, nothing in it
    assert is_fixed(directory / GOOD_NAME)
    assert without(disk_state(directory), GOOD_NAME) == without(before, GOOD_NAME)


def test_symlink_to_a_fixable_file_stays_a_link_and_its_target_is_fixed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = good(tmp_path / "real")
    link = tmp_path / "link.py"
    link.symlink_to(Path("real") / GOOD_NAME)
    run = fix("-j", "1", link)
    assert run.status == 1
    assert link.is_symlink()
    assert is_fixed(target)


@needs_mkfifo
@pytest.mark.parametrize("named", [False, True], ids=["found-in-a-directory", "named-on-the-command-line"])
def test_fifo_named_like_a_module_is_not_opened_and_the_run_goes_on(tmp_path: Path, named: bool) -> None:
    path = good(tmp_path)
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    with FifoWatch(fifo) as watch:  # answers any reader with an end of file, so the test cannot hang
        run = fix("-j", "1", *([fifo, path] if named else [tmp_path]))
    assert watch.opened == 0
    assert is_fixed(path)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    mentioned = run.lines_about(fifo)
    assert len(mentioned) <= 1 and (mentioned or not named)
    assert run.status == (2 if mentioned else 1)


def test_unreadable_file_is_skipped_and_the_others_are_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Emulated in process (root reads any file): the read itself is refused, as without permission."""
    secret = good(tmp_path, "secret.py")
    path = good(tmp_path)
    before = disk_state(tmp_path)
    read_bytes = Path.read_bytes

    def refused(self: Path) -> bytes:
        if self.name == secret.name:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refused)
    run = fix("-j", "1", tmp_path)
    monkeypatch.undo()
    assert run.status == 2
    assert run.lines_about(secret) == [skipped(secret, "cannot read it: Permission denied")]
    assert is_fixed(path)
    assert without(disk_state(tmp_path), GOOD_NAME) == without(before, GOOD_NAME)


@needs_permissions
def test_file_without_read_permission_is_skipped_and_the_others_are_fixed(tmp_path: Path) -> None:
    secret = good(tmp_path, "secret.py")
    secret.chmod(0)
    path = good(tmp_path)
    run = fix("-j", "1", tmp_path)
    assert run.status == 2
    assert run.lines_about(secret) == [skipped(secret, "cannot read it: Permission denied")]
    assert is_fixed(path)
    assert stat.S_IMODE(secret.lstat().st_mode) == 0


# Files that vanish or turn read-only while the run is going on


def vanish(path: Path) -> None:
    path.unlink()


def make_read_only(path: Path) -> None:
    path.chmod(0o444)


def after_reading(monkeypatch: pytest.MonkeyPatch, victim: Path, act: Callable[[Path], None]) -> None:
    """``act`` on ``victim`` right after the fixer has read it, before it writes anything."""
    read_source = files_module.read_source

    def read_then_act(path: Path) -> SourceFile:
        source = read_source(path)
        if path == victim:
            act(path)
        return source

    monkeypatch.setattr(run_module, "read_source", read_then_act)


def while_writing(monkeypatch: pytest.MonkeyPatch, victim: Path, act: Callable[[Path], None]) -> None:
    """``act`` on ``victim`` once write_atomically has checked it and made the temporary file."""

    def mkstemp_then_act(*args: Any, **kwargs: Any) -> tuple[int, str]:
        made = tempfile.mkstemp(*args, **kwargs)
        if kwargs.get("prefix") == f".{victim.name}.":
            act(victim)
        return made

    monkeypatch.setattr(files_module, "tempfile", SimpleNamespace(mkstemp=mkstemp_then_act))


@dataclass(frozen=True)
class Sabotaged:
    run: Fix
    victim: Path
    other: Path


def sabotaged_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    when: Callable[[pytest.MonkeyPatch, Path, Callable[[Path], None]], None],
    act: Callable[[Path], None],
) -> Sabotaged:
    victim = good(tmp_path, "a_victim.py")  # fixed first, so the other one shows that the run goes on
    other = good(tmp_path, "b_other.py")
    when(monkeypatch, victim, act)
    return Sabotaged(fix("-j", "1", tmp_path), victim, other)


def test_file_deleted_between_read_and_write_is_reported_and_not_recreated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = sabotaged_run(tmp_path, monkeypatch, after_reading, vanish)
    assert result.run.status == 2
    assert result.run.lines_about(result.victim) == [
        skipped(result.victim, "cannot write it: No such file or directory")
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == [result.other.name]
    assert is_fixed(result.other)


def test_file_made_read_only_between_read_and_write_is_left_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = sabotaged_run(tmp_path, monkeypatch, after_reading, make_read_only)
    assert result.run.status == 2
    assert result.run.lines_about(result.victim) == [skipped(result.victim, "it is read-only")]
    assert result.victim.read_text(encoding="utf-8") == GOOD
    assert stat.S_IMODE(result.victim.stat().st_mode) == 0o444
    assert sorted(path.name for path in tmp_path.iterdir()) == [result.victim.name, result.other.name]
    assert is_fixed(result.other)


def test_file_deleted_while_its_rewrite_is_written_is_not_recreated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = sabotaged_run(tmp_path, monkeypatch, while_writing, vanish)
    assert not result.victim.exists()
    assert result.run.status == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == [result.other.name]
    assert is_fixed(result.other)


def test_file_made_read_only_while_its_rewrite_is_written_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = sabotaged_run(tmp_path, monkeypatch, while_writing, make_read_only)
    assert result.victim.read_text(encoding="utf-8") == GOOD
    assert stat.S_IMODE(result.victim.stat().st_mode) == 0o444
    assert result.run.status == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == [result.victim.name, result.other.name]
    assert is_fixed(result.other)
