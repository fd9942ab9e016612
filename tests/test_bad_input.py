"""Hostile files: the plugin reports what it can and never takes flake8 down.

The catalogue ``HOSTILE`` is shared with ``test_bad_input_fixer.py``, which puts the same files
through ``otel-context-fix``. Each hostile file is the fixable program ``GOOD`` plus one hostile
trait, so the fixer would have something to write if it ever read past the trait; each run has a
plain copy of ``GOOD`` beside them, which must still be reported (and fixed).
"""

from __future__ import annotations

import ast
import functools
import os
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from flake8_otel_context.checker import NOT_ANALYSED, analyze, analyze_source
from flake8_run import Result, flake8, write

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


# The catalogue of hostile files, shared with test_bad_input_fixer.py

# OTC101 on its last line (15); the fixer passes contextvars.copy_context().run to run_in_executor.
GOOD = """\
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
GOOD_NAME = "app.py"
LAST = GOOD.count("\n")  # the flagged line
FOUND_IN_GOOD = [(LAST, "OTC101")]
FIXED_CALL = "loop.run_in_executor(None, contextvars.copy_context().run, work)"
BOM = b"\xef\xbb\xbf"
PLAIN = GOOD.encode()


@dataclass(frozen=True)
class Hostile:
    name: str
    data: bytes
    fixer: str | None  # how otel-context-fix's one line about it starts after "skipped: "; None: no line
    flake8: list[tuple[int, str]]  # the OTC and E9 codes flake8 reports in it, by line


NULL_BYTE_NAME = "null_byte.py"
HOSTILE = (
    Hostile("syntax_error.py", PLAIN + b"\n\ndef broken(:\n    pass\n",
            f"syntax error at line {LAST + 3}: invalid syntax", [(LAST + 3, "E999")]),
    Hostile(NULL_BYTE_NAME, PLAIN + b"# \0\n", "it contains null bytes", [(1, "E999")]),
    # flake8 reads what it cannot decode, or whose declaration is bad, as latin-1: the plugin still
    # analyses these. Python refuses them, and so does the fixer.
    Hostile("undecodable.py", PLAIN + b"# caf\xe9\n",
            "cannot decode it: 'utf-8' codec can't decode byte 0xe9", FOUND_IN_GOOD),
    Hostile("undecodable_first_line.py", b"# caf\xe9\n" + PLAIN, "bad encoding declaration:",
            [(LAST + 1, "OTC101")]),
    Hostile("undecodable_despite_utf8_cookie.py", b"# -*- coding: utf-8 -*-\n" + PLAIN + b"# caf\xe9\n",
            "cannot decode it: 'utf-8' codec can't decode byte 0xe9", [(LAST + 1, "OTC101")]),
    Hostile("unknown_codec_cookie.py", b"# coding: no-such-codec\n" + PLAIN,
            "bad encoding declaration: unknown encoding: no-such-codec", [(LAST + 1, "OTC101")]),
    Hostile("bom_with_latin1_cookie.py", BOM + b"# coding: latin-1\n" + PLAIN,
            "bad encoding declaration: encoding problem: utf-8", [(LAST + 1, "OTC101")]),
    Hostile("tab_error.py", PLAIN + b"\n\ndef mixed() -> None:\n\tif True:\n        pass\n",
            f"syntax error at line {LAST + 5}: inconsistent use of tabs and spaces", [(LAST + 5, "E999")]),
    Hostile("python2_print.py", PLAIN + b"print 'hello'\n", f"syntax error at line {LAST + 1}:",
            [(LAST + 1, "E999")]),
    Hostile("python2_except_comma.py", PLAIN + b"try:\n    pass\nexcept ValueError, error:\n    pass\n",
            f"syntax error at line {LAST + 3}:", [(LAST + 3, "E999")]),
    Hostile("python2_backticks.py", PLAIN + b"x = `1`\n", f"syntax error at line {LAST + 1}:",
            [(LAST + 1, "E999")]),
    Hostile("python2_exec.py", PLAIN + b'exec "x = 1"\n', f"syntax error at line {LAST + 1}:",
            [(LAST + 1, "E999")]),
    Hostile("nested_parentheses.py", PLAIN + b"x = " + b"(" * 1000 + b")" * 1000 + b"\n",
            f"syntax error at line {LAST + 1}: too many nested parentheses", [(LAST + 1, "E999")]),
    Hostile("nested_ifs_beyond_the_limit.py",
            PLAIN + b"".join(b"    " * i + b"if x:\n" for i in range(100)) + b"    " * 100 + b"pass\n",
            f"syntax error at line {LAST + 101}: too many levels of indentation", [(LAST + 101, "E999")]),
    # A flat BoolOp for ast (so it is analysed), 2000 nested BooleanOperations for libcst.
    Hostile("too_deep_to_rewrite.py", PLAIN + b"flag = " + b" and ".join([b"a"] * 2000) + b"\n",
            "it is nested too deeply to rewrite", FOUND_IN_GOOD),
    # Harmless oddities: nothing to report, nothing to change.
    Hostile("empty.py", b"", None, []),
    Hostile("only_a_comment.py", b"# opentelemetry spans are opened by the middleware", None, []),
    Hostile("only_a_bom.py", BOM, None, []),
)
HOSTILE_NAMES = [hostile.name for hostile in HOSTILE]


def hostile_tree(directory: Path, leave_out: frozenset[str] = frozenset()) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for hostile in HOSTILE:
        if hostile.name not in leave_out:
            (directory / hostile.name).write_bytes(hostile.data)
    (directory / GOOD_NAME).write_text(GOOD, encoding="utf-8")
    return directory


UPSTREAM_NULL_BYTES = (
    "upstream, not this plugin: this flake8 on this Python crashes in its own parsing or tokenizing "
    "of a file with a null byte (flake8 7.4 on 3.10 lets ast.parse's ValueError through; 3.13.0's "
    "tokenizer raises SystemError), and the whole run ends with it"
)


@functools.cache
def flake8_survives_null_bytes() -> bool:
    """Whether flake8 itself, here, reports a file with a null byte instead of crashing on it."""
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / NULL_BYTE_NAME).write_bytes(PLAIN + b"# \0\n")
        result = flake8(Path(directory))
    return "Traceback" not in result.stdout + result.stderr


def disk_state(directory: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every entry under ``directory``, links not followed: its kind and mode, and its bytes (regular
    files) or target (links). Equal states mean nothing changed, appeared or disappeared."""
    state: dict[str, tuple[str, bytes | str]] = {}
    for root, directories, files in os.walk(directory):
        for name in [*directories, *files]:
            path = Path(root, name)
            mode = path.lstat().st_mode
            content: bytes | str = b""
            if stat.S_ISLNK(mode):
                content = os.readlink(path)
            elif stat.S_ISREG(mode):
                content = path.read_bytes()
            state[str(path.relative_to(directory))] = (stat.filemode(mode), content)
    return state


def without(state: dict[str, tuple[str, bytes | str]], *names: str) -> dict[str, tuple[str, bytes | str]]:
    return {name: entry for name, entry in state.items() if name not in names}


def codes_by_file(result: Result) -> dict[str, list[tuple[int, str]]]:
    """(line, code) of every OTC and E9 (E902 cannot read, E999 cannot parse) problem, by file name."""
    found: dict[str, list[tuple[int, str]]] = {}
    for row in result.stdout.splitlines():
        path, line, _, message = row.split(":", 3)
        code = message.split()[0]
        if code.startswith(("OTC", "E9")):
            found.setdefault(Path(path).name, []).append((int(line), code))
    return found


# flake8 stops the whole run when any plugin raises; pyflakes (and flake8-bugbear, when installed)
# give up on deep nesting before this plugin does, so the tests that are about this plugin's own
# depth limit keep flake8's report formatters and only the plugins they name.
FLAKE8_WITH_ONLY = """
import sys
import flake8.plugins.finder as finder
found = finder._find_importlib_plugins
finder._find_importlib_plugins = lambda: (p for p in found() if p.package in {keep!r})
from flake8.main.cli import main
sys.exit(main())
"""
THIS_PLUGIN = ("flake8", "flake8-otel-context")
FLAKE8_OWN_PLUGINS = (*THIS_PLUGIN, "pyflakes", "pycodestyle", "mccabe")


def flake8_with_only(plugins: tuple[str, ...], directory: Path) -> Result:
    program = FLAKE8_WITH_ONLY.format(keep=plugins)
    completed = subprocess.run(
        [sys.executable, "-c", program, "--jobs=1", "."],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


class FifoWatch:
    """Counts how often someone opens the FIFO ``path`` to read it, and unblocks every such reader
    at once with an end of file: a program that should never open it cannot hang the test."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.opened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> FifoWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.01):
            try:  # succeeds only while a reader has it open (ENXIO otherwise)
                descriptor = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue
            self.opened += 1
            os.close(descriptor)


needs_mkfifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
needs_permissions = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="file permissions do not stop root from reading"
)


# flake8 over every hostile file at once: each is reported in its own lines, the run goes on


@dataclass(frozen=True)
class Flake8Run:
    result: Result
    codes: dict[str, list[tuple[int, str]]]
    before: dict[str, tuple[str, bytes | str]]
    after: dict[str, tuple[str, bytes | str]]


@pytest.fixture(scope="module")
def flake8_over_hostile_files(tmp_path_factory: pytest.TempPathFactory) -> Flake8Run:
    # Where flake8 itself crashes on a null byte, that file would end the whole run (upstream): the
    # others are still checked, and the null byte's own test says why it is missing.
    leave_out = frozenset() if flake8_survives_null_bytes() else frozenset({NULL_BYTE_NAME})
    directory = hostile_tree(tmp_path_factory.mktemp("hostile"), leave_out)
    before = disk_state(directory)
    result = flake8(directory)
    return Flake8Run(result, codes_by_file(result), before, disk_state(directory))


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_NAMES)
def test_flake8_reports_each_hostile_file_with_its_own_codes_and_nothing_else(
    flake8_over_hostile_files: Flake8Run, hostile: Hostile
) -> None:
    if hostile.name == NULL_BYTE_NAME and not flake8_survives_null_bytes():
        pytest.xfail(UPSTREAM_NULL_BYTES)
    assert flake8_over_hostile_files.codes.get(hostile.name, []) == hostile.flake8


def test_flake8_still_reports_the_good_file_beside_the_hostile_ones(
    flake8_over_hostile_files: Flake8Run,
) -> None:
    assert flake8_over_hostile_files.codes[GOOD_NAME] == FOUND_IN_GOOD


def test_flake8_over_hostile_files_exits_1_without_a_traceback_or_a_failed_plugin(
    flake8_over_hostile_files: Flake8Run,
) -> None:
    result = flake8_over_hostile_files.result
    assert result.status == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "failed during execution" not in result.stderr


def test_flake8_over_hostile_files_changes_nothing_on_disk(flake8_over_hostile_files: Flake8Run) -> None:
    assert flake8_over_hostile_files.after == flake8_over_hostile_files.before


# Nesting deeper than the analysis can walk: OTC900 for that file, the run goes on


def test_file_too_deep_to_analyse_is_otc900_at_its_first_line_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "deep.py").write_text(GOOD + "total = " + " + ".join(["a"] * 2000) + "\n", encoding="utf-8")
    write(tmp_path, GOOD_NAME, GOOD)
    result = flake8_with_only(THIS_PLUGIN, tmp_path)
    assert "Traceback" not in result.stdout + result.stderr
    assert codes_by_file(result) == {"deep.py": [(1, "OTC900")], GOOD_NAME: FOUND_IN_GOOD}
    assert "OTC900 not analysed: the file is nested too deeply to analyse" in result.stdout
    assert result.status == 1


def test_nesting_that_pyflakes_survives_but_the_analysis_does_not_costs_only_that_file(
    tmp_path: Path,
) -> None:
    """``not not ... a``: pyflakes walks it in fewer frames per level than the analysis does. If this
    plugin raised instead of reporting OTC900, flake8 would stop the whole run."""
    (tmp_path / "deep.py").write_text(GOOD + "flag = " + "not " * 400 + "a\n", encoding="utf-8")
    write(tmp_path, GOOD_NAME, GOOD)
    result = flake8_with_only(FLAKE8_OWN_PLUGINS, tmp_path)
    if '"pyflakes[F]" failed' in result.stderr:
        pytest.skip("this pyflakes gives up on 400 nested `not` too")
    assert "Traceback" not in result.stdout + result.stderr
    assert codes_by_file(result) == {"deep.py": [(1, "OTC900")], GOOD_NAME: FOUND_IN_GOOD}


# Legal but extreme files are analysed to the end, at the right lines


def huge_program() -> str:
    """``GOOD`` with 10,000 lines of a generated module's usual furniture (small functions, comments,
    an embedded template) between its imports and its code, so its finding is past line 10,000."""
    head, code = GOOD.split("\n\n\ndef work", 1)
    filler = (
        "".join(f"\n\ndef setting_{i}() -> int:\n    return {i}\n" for i in range(200))
        + "".join(f"# {i:04d}: generated, do not edit\n" for i in range(4000))
        + 'TEMPLATE = """\n'
        + "".join(f"row {i}\n" for i in range(5200))
        + '"""\n'
    )
    return head + "\n" + filler + "\n\ndef work" + code


HUGE = huge_program()
THREAD_HEADER = (
    "import threading\n\nfrom opentelemetry import trace\n\ntracer = trace.get_tracer(__name__)\n\n\n"
)
THREAD_FIXED = "threading.Thread(target=functools.partial(contextvars.copy_context().run, send)).start()"
# 96 ifs inside a span inside an async def: 98 levels of indentation, Python allows 99.
NESTED_IFS = (
    THREAD_HEADER
    + 'async def handler(x: int) -> None:\n    with tracer.start_as_current_span("deep"):\n'
    + "".join("    " * (level + 2) + f"if x > {level}:\n" for level in range(96))
    + "    " * 98
    + "threading.Thread(target=send).start()\n"
)
NESTED_FUNCTIONS = (
    THREAD_HEADER
    + "".join("    " * level + f"def level_{level}() -> None:\n" for level in range(96))
    + "    " * 96
    + 'with tracer.start_as_current_span("deep"):\n'
    + "    " * 97
    + "threading.Thread(target=send).start()\n"
)
# The workers call ``send``, defined nowhere the analysis can see: it may make spans.
# Tabs in one function and spaces in the others, and a tab followed by spaces: Python accepts both.
TAB_INDENTED = GOOD.replace("\n    with", "\n\twith").replace("\n        ", "\n\t\t")
TAB_THEN_SPACES = (
    THREAD_HEADER
    + "def handle() -> None:\n"
    + "\tdef _work(n: int) -> None:\n\t\tif n:\n\t\t        send(n)\n\n"
    + '\twith tracer.start_as_current_span("x"):\n'
    + "\t\tthreading.Thread(target=_work, args=(1,)).start()\n"
)


@dataclass(frozen=True)
class Extreme:
    name: str
    text: str
    found: list[tuple[int, str]]
    fixed: str  # a line of the rewrite


EXTREME = (
    Extreme("huge.py", HUGE, [(HUGE.count("\n"), "OTC101")], FIXED_CALL),
    Extreme("nested_ifs.py", NESTED_IFS, [(NESTED_IFS.count("\n"), "OTC103")],
            "    " * 98 + THREAD_FIXED),
    Extreme("nested_functions.py", NESTED_FUNCTIONS, [(NESTED_FUNCTIONS.count("\n"), "OTC103")],
            "    " * 97 + THREAD_FIXED),
    Extreme("tab_indented.py", TAB_INDENTED, FOUND_IN_GOOD, f"\t\treturn await {FIXED_CALL}"),
    Extreme("tab_then_spaces.py", TAB_THEN_SPACES, [(TAB_THEN_SPACES.count("\n"), "OTC103")],
            "\t\ttry:\n\t\t\tif n:\n\t\t\t        send(n)\n\t\tfinally:\n\t\t\totel_context.detach(token)"),
)
EXTREME_NAMES = [extreme.name for extreme in EXTREME]


def extreme_tree(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for extreme in EXTREME:
        (directory / extreme.name).write_text(extreme.text, encoding="utf-8")
    return directory


def test_extreme_programs_are_valid_python() -> None:
    for extreme in EXTREME:
        compile(extreme.text, extreme.name, "exec", dont_inherit=True)
    assert EXTREME[0].text.count("\n") > 10_000


def test_flake8_reports_legal_but_extreme_files_at_the_right_lines(tmp_path: Path) -> None:
    result = flake8(extreme_tree(tmp_path))
    assert "Traceback" not in result.stdout + result.stderr
    assert codes_by_file(result) == {extreme.name: extreme.found for extreme in EXTREME}


# Paths that are not readable files


def odd_paths(directory: Path) -> Path:
    """A directory named like a module, a symlink loop and a dangling symlink, beside ``GOOD``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "package.py").mkdir()
    (directory / "package.py" / "README").write_text("not Python\n", encoding="utf-8")
    (directory / "loop_a.py").symlink_to("loop_b.py")
    (directory / "loop_b.py").symlink_to("loop_a.py")
    (directory / "dangling.py").symlink_to("nowhere.py")
    write(directory, GOOD_NAME, GOOD)
    return directory


def test_flake8_reports_symlink_loops_and_dangling_links_as_e902_and_goes_on(tmp_path: Path) -> None:
    directory = odd_paths(tmp_path)
    before = disk_state(directory)
    result = flake8(directory, "missing.py", "package.py")
    assert "Traceback" not in result.stdout + result.stderr
    assert codes_by_file(result) == {
        "loop_a.py": [(0, "E902")],
        "loop_b.py": [(0, "E902")],
        "dangling.py": [(0, "E902")],
        "missing.py": [(0, "E902")],
        GOOD_NAME: FOUND_IN_GOOD,
    }
    assert result.status == 1
    assert disk_state(directory) == before


@needs_mkfifo
@pytest.mark.xfail(
    strict=True,
    reason="upstream, not this plugin: flake8 itself opens a FIFO named *.py and blocks until a writer "
    "comes; the plugin only ever sees the lines flake8 read",
)
@pytest.mark.parametrize("named", [False, True], ids=["found-in-a-directory", "named-on-the-command-line"])
def test_flake8_does_not_open_a_fifo_named_like_a_module(tmp_path: Path, named: bool) -> None:
    write(tmp_path, GOOD_NAME, GOOD)
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    with FifoWatch(fifo) as watch:
        result = flake8(tmp_path, *(["pipe.py"] if named else []))
    assert codes_by_file(result).get(GOOD_NAME) == FOUND_IN_GOOD
    assert watch.opened == 0


def test_flake8_reports_an_unreadable_file_as_e902_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Emulated in process (root reads any file): flake8 is refused the file the moment it opens it."""
    from flake8.main.cli import main as flake8_main
    from flake8.processor import FileProcessor

    write(tmp_path, GOOD_NAME, GOOD)
    secret = write(tmp_path, "secret.py", GOOD)
    read = FileProcessor.read_lines_from_filename

    def refused(processor: FileProcessor) -> list[str]:
        if Path(processor.filename).name == secret.name:
            raise PermissionError(13, "Permission denied", processor.filename)
        return read(processor)

    monkeypatch.setattr(FileProcessor, "read_lines_from_filename", refused)
    monkeypatch.chdir(tmp_path)
    status = flake8_main(["--jobs=1", "--isolated", "."])
    out, err = capfd.readouterr()
    result = Result(status, out, err)
    assert codes_by_file(result) == {"secret.py": [(0, "E902")], GOOD_NAME: FOUND_IN_GOOD}
    assert "Permission denied" in out and "Traceback" not in out + err
    assert status == 1


@needs_permissions
def test_flake8_reports_a_file_without_read_permission_and_goes_on(tmp_path: Path) -> None:
    write(tmp_path, GOOD_NAME, GOOD)
    write(tmp_path, "secret.py", GOOD).chmod(0)
    result = flake8(tmp_path)
    assert codes_by_file(result) == {"secret.py": [(0, "E902")], GOOD_NAME: FOUND_IN_GOOD}
    assert "Traceback" not in result.stdout + result.stderr
