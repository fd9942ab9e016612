"""What the fix command tells machines and people beyond the rewrite: JSON and SARIF reports, the
rule list and the rule reference."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from flake8_otel_context.cli.main import main
from flake8_otel_context.reference import explain
from flake8_otel_context.rules import RULES, RULES_BY_CODE

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXABLE = FIXTURES / "OTC101" / "fire_run_in_executor_default_pool.py"
UNFIXABLE = FIXTURES / "OTC104" / "fire_pool_apply_async.py"


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(args), out=out, err=io.StringIO())
    return status, out.getvalue()


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXABLE, tmp_path / "fixable.py")
    shutil.copy(UNFIXABLE, tmp_path / "unfixable.py")
    (tmp_path / "broken.py").write_text("from opentelemetry import trace\ndef f(:\n")
    return tmp_path


def test_json_lists_every_finding_with_whether_it_is_fixable(tree: Path) -> None:
    before = (tree / "fixable.py").read_bytes()
    status, out = run("--check", "--format", "json", "fixable.py", "unfixable.py", "broken.py")
    document = json.loads(out)
    assert status == 2  # broken.py could not be parsed
    assert (tree / "fixable.py").read_bytes() == before
    by_file = {result["file"]: result for result in document["results"]}
    fixable, unfixable = by_file["fixable.py"], by_file["unfixable.py"]
    assert fixable["code"] == "OTC101" and fixable["fixable"] is True and fixable["reason"] is None
    assert fixable["rule"] == "run-in-executor-loses-context"
    assert fixable["line"] == _marked_line(FIXABLE) and fixable["column"] >= 1
    assert unfixable["code"] == "OTC104" and unfixable["fixable"] is False
    assert unfixable["reason"] == RULES_BY_CODE["OTC104"].not_fixable
    assert [error["file"] for error in document["errors"]] == ["broken.py"]


def test_sarif_has_what_code_scanning_requires(tree: Path) -> None:
    status, out = run("--check", "--format", "sarif", "fixable.py", "unfixable.py")
    log = json.loads(out)
    assert status == 1
    assert log["version"] == "2.1.0" and "$schema" in log
    (sarif_run,) = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "flake8-otel-context"
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in RULES]
    results = sarif_run["results"]
    assert {r["ruleId"] for r in results} == {"OTC101", "OTC104"}
    for result in results:
        _assert_sarif_result(result, driver["rules"])
    fixable = {r["ruleId"]: r["properties"]["fixable"] for r in results}
    assert fixable == {"OTC101": True, "OTC104": False}


def _assert_sarif_result(result: dict[str, Any], rules: list[dict[str, Any]]) -> None:
    """The SARIF 2.1.0 schema's required properties, and what GitHub needs to place an alert."""
    assert result["message"]["text"]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    (location,) = result["locations"]
    physical = location["physicalLocation"]
    assert not physical["artifactLocation"]["uri"].startswith("/")
    region = physical["region"]
    assert region["startLine"] >= 1 and region["startColumn"] >= 1
    assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])


def test_columns_count_characters_not_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = FIXABLE.read_text(encoding="utf-8").replace(
        "await loop.run_in_executor(", "é = 1; await loop.run_in_executor("
    )
    (tmp_path / "accented.py").write_text(text, encoding="utf-8")
    _, out = run("--check", "--format", "json", "accented.py")
    (result,) = json.loads(out)["results"]
    line = text.splitlines()[result["line"] - 1]
    assert line[result["column"] - 1 :].startswith("loop.run_in_executor(")


def test_list_rules_names_every_rule_and_whether_it_is_fixed() -> None:
    status, out = run("--list-rules")
    assert status == 0
    for rule in RULES:
        line = next(line for line in out.splitlines() if line.startswith(rule.code))
        assert ("fixed" in line) == (rule.fix is not None)


def test_explain_prints_the_reference_entry() -> None:
    status, out = run("--explain", "otc302")
    assert status == 0
    assert out == explain(RULES_BY_CODE["OTC302"])
    assert out in (FIXTURES.parent / "docs" / "rules.md").read_text(encoding="utf-8")


def test_explain_an_unknown_code_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--explain", "OTC999"])
    assert exit.value.code == 2
    assert "no rule 'OTC999'" in capsys.readouterr().err


def _marked_line(path: Path) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if "# expect:" in line)
