"""The project model, proved on small projects: the linter reports exactly the marked lines, and
running the project under the SDK shows exactly those going wrong.

fixtures/project is a service whose boundaries sit in a module that never imports OpenTelemetry;
fixtures/parallel is a library whose parallel map runs the function its users hand it on pool
threads, and a user of it; fixtures/context_values holds two projects whose value setters throw
their token away, one that never reads those values and one that does (OTC301)."""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixture_files import FIXTURES, run_program
from flake8_otel_context.analysis.settings import Settings, SpanScope
from flake8_otel_context.checker import analyze
from flake8_otel_context.cli.main import main
from flake8_otel_context.project.load import load_project

PROJECT = FIXTURES / "project"
APP = PROJECT / "app.py"
PARALLEL = FIXTURES / "parallel"
UNREAD_VALUES = FIXTURES / "context_values" / "clean_unread_key"
READ_VALUES = FIXTURES / "context_values" / "fire_read_key"
_EXPECT = re.compile(r"#\s*expect:\s*(OTC\d+)")


def marked(project: Path = PROJECT) -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted(project.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _EXPECT.search(line)
            if match:
                found.add((path.relative_to(project).as_posix(), number, match.group(1)))
    return found


def lint_project(
    scope: SpanScope = SpanScope.PROJECT, project: Path = PROJECT
) -> dict[tuple[str, int, str], str]:
    model = load_project([str(project)], cache_directory=False)
    reported = {}
    for path in sorted(project.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for finding in analyze(ast.parse(source), source, Settings(span_scope=scope), None, model, str(path)):
            reported[(path.relative_to(project).as_posix(), finding.line, finding.code)] = finding.message
    return reported


def test_the_marked_boundaries_are_reported_and_nothing_else() -> None:
    assert set(lint_project()) == marked()
    assert len(marked()) == 6


def test_read_one_file_at_a_time_the_linter_sees_none_of_them() -> None:
    assert lint_project(SpanScope.LEXICAL) == {}


def test_running_the_service_shows_exactly_the_reported_requests_losing_their_span() -> None:
    result = run_program(APP)
    lost = {problem.partition(":")[0] for problem in result["mismatches"]}
    assert lost == {
        "fetch imported",
        "fetch factory",
        "fetch attribute",
        "fetch thread",
        "fetch helper thread",
        "fetch coroutine",
    }


@pytest.mark.parametrize(
    ("line", "evidence"),
    [
        (15, ["span 'imported pool'", "app.py:36", "fetch()", "opens span 'fetch"]),
        (21, ["span 'factory pool'", "app.py:38"]),
        (27, ["span 'attribute'", "app.py:40"]),
        (31, ["span 'thread'", "app.py:42"]),
        (20, ["span 'helper thread'", "app.py:44", "given by handed_to_a_helper()", "opens span 'fetch"]),
        (38, ["span 'coroutine'", "app.py:46", "fetch_async()", "opens span 'fetch"]),
    ],
)
def test_each_message_names_where_the_span_is_opened_and_what_the_worker_traces(
    line: int, evidence: list[str]
) -> None:
    messages = {key[1]: message for key, message in lint_project().items()}
    for text in evidence:
        assert text in messages[line], messages[line]


def test_flake8_on_one_file_still_sees_the_rest_of_the_project(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable, "-m", "flake8", "--select=OTC", f"--otc-cache-dir={tmp_path / 'cache'}",
            str(PROJECT / "shop" / "handlers.py"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    lines = sorted(int(line.split(":")[1]) for line in completed.stdout.splitlines())
    assert lines == [15, 21, 27, 31, 38], completed.stdout + completed.stderr
    assert (tmp_path / "cache" / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")


def flake8_codes(project: Path, cache: Path) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-m", "flake8", "--select=OTC", f"--otc-cache-dir={cache}", str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    return sorted(line.split(": ", 1)[1][:6] + line.split(":")[1] for line in completed.stdout.splitlines())


def test_a_warm_run_reuses_findings_only_while_nothing_in_the_project_changed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    cache = tmp_path / "cache"
    cold = flake8_codes(project, cache)
    assert len(cold) == 6
    assert flake8_codes(project, cache) == cold  # warm: from the cache
    # handlers.py is untouched, but its workers no longer make spans: its findings must go.
    clients = project / "shop" / "clients.py"
    clients.write_text(
        clients.read_text(encoding="utf-8").replace(
            'with tracer.start_as_current_span(f"fetch {item}"):\n        return item.upper()',
            "return item.upper()",
        ),
        encoding="utf-8",
    )
    # The helper in pools.py runs what its callers hand it, and its one caller now hands it work
    # that makes no span: it goes too.
    assert flake8_codes(project, cache) == []


def test_the_fixer_repairs_the_service_without_giving_a_module_a_new_dependency(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    out = io.StringIO()
    status = main(["--otc-cache-dir=none", "-j", "1", str(project)], out=out, err=io.StringIO())
    assert status == 1
    handlers = (project / "shop" / "handlers.py").read_text(encoding="utf-8")
    assert "opentelemetry" not in handlers  # the call-site contextvars form, never a new import
    assert handlers.count("contextvars.copy_context().run") == 5
    # The helper that runs whatever its callers hand it is left for a person: from its own module
    # the target is a parameter, which may be a loop that serves for the life of the thread.
    assert "pools.py:20:14: OTC103 not auto-fixable: the thread's target is not a function" in out.getvalue()
    lost = {problem.partition(":")[0] for problem in run_program(project / "app.py")["mismatches"]}
    assert lost == {"fetch helper thread"}


def test_sarif_gives_the_chain_as_a_code_flow_from_the_span_to_the_crossing(tmp_path: Path) -> None:
    out = io.StringIO()
    main(["--check", "--format", "sarif", "--otc-cache-dir=none", str(PROJECT)], out=out, err=io.StringIO())
    results = json.loads(out.getvalue())["runs"][0]["results"]
    flows = {
        result["locations"][0]["physicalLocation"]["region"]["startLine"]: result["codeFlows"][0]
        for result in results
    }
    steps = flows[15]["threadFlows"][0]["locations"]
    assert [step["location"]["physicalLocation"]["region"]["startLine"] for step in steps] == [36, 15]
    assert steps[0]["location"]["physicalLocation"]["artifactLocation"]["uri"].endswith("app.py")
    assert "span 'imported pool' is opened here" in steps[0]["location"]["message"]["text"]
    assert "reached via main()" in steps[1]["location"]["message"]["text"]


def test_value_setters_whose_values_nothing_reads_are_not_reported_and_change_no_span() -> None:
    assert lint_project(project=UNREAD_VALUES) == {}
    assert run_program(UNREAD_VALUES / "app.py")["mismatches"] == []


def test_read_alone_each_setter_s_file_is_reported_as_it_cannot_see_what_reads_its_values() -> None:
    lexical = lint_project(SpanScope.LEXICAL, UNREAD_VALUES)
    assert sorted(lexical) == [("labels/context.py", line, "OTC301") for line in (17, 21, 25)]


def test_a_value_the_project_reads_and_a_context_with_another_span_are_reported_and_go_wrong() -> None:
    assert set(lint_project(project=READ_VALUES)) == marked(READ_VALUES)
    assert len(marked(READ_VALUES)) == 2
    result = run_program(READ_VALUES / "app.py")
    wrong = {problem.partition(":")[0] for problem in result["mismatches"]}
    assert wrong == {"anonymous step", "health check"}
    assert "anonymous step: expected tenant=None, got 'acme'" in result["mismatches"]


def test_a_parallel_map_loses_the_span_of_the_user_who_calls_it_and_the_fixer_repairs_it(
    tmp_path: Path,
) -> None:
    # The worker reaches the user's function through two closures (``_safe``, ``_counted``); the
    # one that binds each call to a copy of the caller's context carries it.
    reported = lint_project(project=PARALLEL)
    assert set(reported) == marked(PARALLEL)
    assert len(marked(PARALLEL)) == 1
    [message] = reported.values()
    assert "given by main(), so it calls fetch(), which opens span 'fetch'" in message
    lost = {problem.partition(":")[0] for problem in run_program(PARALLEL / "app.py")["mismatches"]}
    assert lost == {"fetch a", "fetch b"}
    project = tmp_path / "parallel"
    shutil.copytree(PARALLEL, project)
    assert main(["--otc-cache-dir=none", "-j", "1", str(project)], out=io.StringIO(), err=io.StringIO()) == 1
    assert run_program(project / "app.py")["mismatches"] == []


def test_read_without_its_users_the_library_is_reported_for_the_work_they_hand_it(tmp_path: Path) -> None:
    library = tmp_path / "library"
    shutil.copytree(PARALLEL / "batch", library / "batch")
    shutil.copy(PARALLEL / "setup.cfg", library)
    assert lint_project(SpanScope.PROJECT, library) == {}
    [message] = lint_project(SpanScope.PUBLIC, library).values()
    assert "it runs under the caller's span (ParallelExecutor.execute() is public" in message
    assert "calls function(), which users of ParallelExecutor.execute() hand it" in message
