"""The plugin inside real flake8 runs: registration, options, config files, noqa, exit codes."""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_otel_context.plugin import OtelContextChecker

from flake8_run import flake8, write

SUBMIT_IN_SPAN = """\
    from concurrent.futures import ThreadPoolExecutor
    from opentelemetry import trace

    tracer = trace.get_tracer(__name__)

    def handle(items):
        with tracer.start_as_current_span("batch"):
            with ThreadPoolExecutor() as pool:
                return pool.submit(work, items).result(){noqa}
    """

SYNC_SUBMIT = """\
    from concurrent.futures import ThreadPoolExecutor
    from opentelemetry import trace

    def handle(pool: ThreadPoolExecutor, items):
        return pool.submit(work, items).result()
    """

GATHER_IN_SPAN = """\
    import asyncio
    from opentelemetry import trace

    tracer = trace.get_tracer(__name__)

    async def handle():
        with tracer.start_as_current_span("request"):
            await asyncio.gather(fetch(), fetch())
    """


def test_flake8_lists_the_plugin() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert "flake8-otel-context" in version


def test_finding_is_reported_with_code_position_and_advice(tmp_path: Path) -> None:
    write(tmp_path, "service.py", SUBMIT_IN_SPAN.format(noqa=""))
    result = flake8(tmp_path, "--select=OTC")
    assert result.status == 1
    assert result.codes == [(9, "OTC102")]
    assert "./service.py:9:20: OTC102 submit() runs work on a pool thread" in result.stdout
    assert "copy_context().run" in result.stdout


@pytest.mark.parametrize("comment", ["  # noqa: OTC102", "  # noqa"])
def test_noqa_silences_the_line(tmp_path: Path, comment: str) -> None:
    write(tmp_path, "service.py", SUBMIT_IN_SPAN.format(noqa=comment))
    result = flake8(tmp_path, "--select=OTC")
    assert (result.status, result.codes) == (0, [])


def test_noqa_for_another_code_does_not(tmp_path: Path) -> None:
    write(tmp_path, "service.py", SUBMIT_IN_SPAN.format(noqa="  # noqa: OTC101"))
    assert flake8(tmp_path).codes == [(9, "OTC102")]


def test_policy_rule_is_off_until_selected(tmp_path: Path) -> None:
    write(tmp_path, "service.py", GATHER_IN_SPAN)
    assert flake8(tmp_path).codes == []
    assert flake8(tmp_path, "--extend-select=OTC210").codes == [(8, "OTC210")]


@pytest.mark.parametrize("config", ["setup.cfg", "tox.ini", ".flake8"])
def test_options_are_read_from_flake8_config_files(tmp_path: Path, config: str) -> None:
    write(tmp_path, "service.py", SYNC_SUBMIT)
    assert flake8(tmp_path).codes == []
    write(tmp_path, config, "[flake8]\notc-span-scope = function\n")
    assert flake8(tmp_path).codes == [(5, "OTC102")]


def test_propagating_option_names_instrumented_threading(tmp_path: Path) -> None:
    write(tmp_path, "service.py", SUBMIT_IN_SPAN.format(noqa=""))
    assert flake8(tmp_path, "--otc-propagating=threading").codes == []


def test_bad_option_value_is_a_clear_usage_error(tmp_path: Path) -> None:
    write(tmp_path, "service.py", SYNC_SUBMIT)
    result = flake8(tmp_path, "--select=OTC", "--otc-span-scope=sometimes")
    assert result.status == 2
    assert "invalid choice: 'sometimes'" in result.stderr
    assert "Traceback" not in result.stderr


def test_syntax_error_is_left_to_flake8(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "from opentelemetry import trace\ndef f(:\n")
    write(tmp_path, "service.py", SUBMIT_IN_SPAN.format(noqa=""))
    result = flake8(tmp_path)
    assert ("E999" in result.stdout) and ("OTC102" in result.stdout)
    assert "Traceback" not in result.stderr


def test_running_the_plugin_again_in_one_process_keeps_only_the_newest_model_frozen(tmp_path: Path) -> None:
    # flake8 forks its workers after parse_options, so the model is frozen out of the collector's
    # way. A process that runs flake8 again and again (a test suite, an editor's server) must not
    # keep every earlier model, and the garbage around it, frozen for good.
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    for index in range(10):
        (tmp_path / f"m{index}.py").write_text("import threading\n\ndef f():\n    pass\n", encoding="utf-8")
    options = argparse.Namespace(
        otc_span_scope="project", otc_propagating=[], filenames=[str(tmp_path)], otc_cache_dir="none"
    )
    frozen = []
    try:
        for _ in range(4):

            class Checker(OtelContextChecker):
                pass

            Checker.parse_options(options)
            del Checker
            frozen.append(gc.get_freeze_count())
    finally:
        gc.unfreeze()
    assert frozen[1] == frozen[2] == frozen[3]
