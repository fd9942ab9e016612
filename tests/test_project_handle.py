"""A flake8 run builds the project model only when an earlier run did not leave what it needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from flake8_otel_context.project import handle as handle_module
from flake8_otel_context.project.handle import ProjectHandle, open_project
from flake8_otel_context.project.load import find_project, load_project, project_digest
from tests.test_project_model import SPAN_IN_ANOTHER_MODULE, TRACED, write

SETTINGS = "public|[]"
# pkg/lib.py is public API with a pool (live only where users' spans are assumed); pkg/work.py runs
# under pkg/app.py's span; pkg/idle.py has no boundary at all.
PROJECT = {
    **SPAN_IN_ANOTHER_MODULE,
    "pkg/__init__.py": "",
    "pkg/lib.py": TRACED
    + "\nfrom concurrent.futures import ThreadPoolExecutor\n\ndef run_all(items):\n"
    + "    with ThreadPoolExecutor() as pool:\n        return list(pool.map(fetch, items))\n",
    "pkg/idle.py": "x = 1\n",
}


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per model built."""
    built: list[int] = []
    original = handle_module.build_model
    monkeypatch.setattr(
        handle_module, "build_model", lambda *args: built.append(1) or original(*args)  # type: ignore
    )
    return built


def answers(project: ProjectHandle, root: Path) -> dict[str, tuple[bool, bool]]:
    return {
        path.name: (project.has_live_boundary(str(path)), project.has_live_boundary(str(path), True))
        for path in sorted(root.rglob("*.py"))
    }


def test_a_run_after_one_with_the_same_modules_and_settings_builds_no_model(
    tmp_path: Path, builds: list[int]
) -> None:
    root = write(tmp_path / "project", PROJECT)
    cache = tmp_path / "cache"
    first = open_project([str(root)], cache, SETTINGS)
    second = open_project([str(root)], cache, SETTINGS)
    assert len(builds) == 1
    assert second.digest == first.digest
    assert answers(second, root) == answers(first, root)
    assert answers(first, root)["work.py"] == (True, True)
    assert answers(first, root)["lib.py"] == (False, True)
    assert answers(first, root)["idle.py"] == (False, False)
    # The model is still there for a file whose findings are not cached: built then, the same.
    model = load_project([str(root)], cache_directory=False)
    assert second.model().digest == model.digest
    assert len(builds) == 2


def test_other_settings_an_edited_module_or_a_damaged_record_build_the_model_again(
    tmp_path: Path, builds: list[int]
) -> None:
    root = write(tmp_path / "project", PROJECT)
    cache = tmp_path / "cache"
    open_project([str(root)], cache, SETTINGS)
    open_project([str(root)], cache, "project|[]")
    assert len(builds) == 2
    open_project([str(root)], cache, "project|[]")
    open_project([str(root)], cache, SETTINGS)  # both settings' findings are kept
    assert len(builds) == 2
    (root / "pkg" / "app.py").write_text("def main():\n    pass\n", encoding="utf-8")
    edited = open_project([str(root)], cache, SETTINGS)
    assert len(builds) == 3
    assert answers(edited, root)["work.py"] == (False, True)  # no span reaches run() any more
    for damaged in ("{not json", '{"key": "x", "value": {}}'):
        for entry in cache.rglob("*.json"):
            entry.write_text(damaged, encoding="utf-8")
        again = open_project([str(root)], cache, SETTINGS)
        assert again.model() is not None and answers(again, root) == answers(edited, root)
    assert len(builds) == 5


def test_without_a_cache_the_model_is_built_every_run(tmp_path: Path, builds: list[int]) -> None:
    root = write(tmp_path / "project", PROJECT)
    for _ in range(2):
        open_project([str(root)], False, SETTINGS)
    assert len(builds) == 2
    assert not list(tmp_path.rglob("*.json"))


def test_the_digest_of_the_contents_alone_is_the_model_s(tmp_path: Path) -> None:
    root = write(tmp_path / "project", {**PROJECT, "pkg/broken.py": "def (:\n"})
    (root / "pkg" / "latin.py").write_bytes(b"x = '\xff'\n")
    files, _ = find_project([str(root)], False)
    assert project_digest(files) == load_project([str(root)], cache_directory=False).digest
