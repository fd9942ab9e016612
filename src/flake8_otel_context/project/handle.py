"""The project as a flake8 run needs it: built before flake8 forks its workers, or not at all.

Every file asks the project whether one of its boundaries may run under a span (the analysis's
first test); only the few files that pass it are analysed, and their findings are cached. So when
no module changed since a run with the same settings, that run left everything this one needs: the
answer to the first test for every module (kept with the model's digest), and the findings. Such a
run reads and hashes the modules (to know nothing changed), reads one small file, and builds no
model; a worker that still needs it (a finding not cached) builds it then, from the cached
summaries.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flake8_otel_context.project.cache import SummaryCache
from flake8_otel_context.project.load import build_model, find_project, project_digest
from flake8_otel_context.project.model import ProjectModel, real_path


class ProjectHandle:
    def __init__(
        self,
        files: list[tuple[Path, Path]],
        caches: dict[Path, SummaryCache | None],
        digest: str,
        live: tuple[frozenset[str], frozenset[str]],
        model: ProjectModel | None = None,
    ) -> None:
        self._files = files
        self._caches = caches
        self.digest = digest
        self._live = live  # the modules with a boundary that may run under a span: seen, and assumed
        self._model = model
        self._known = frozenset(str(module) for module, _ in files)  # the modules' real paths

    def model(self) -> ProjectModel:
        if self._model is None:
            self._model = build_model(self._files, self._caches)
        return self._model

    def has_live_boundary(self, path: str, assume_public: bool = False) -> bool:
        return self.real_path(path) in self._live[assume_public]

    def real_path(self, path: str) -> str:
        return real_path(path, self._known)

    def cache_for(self, path: str) -> SummaryCache | None:
        """The cache of the project root ``path`` lies under, if the run has one."""
        return next(
            (
                cache
                for root, cache in self._caches.items()
                if cache is not None and path.startswith(str(root) + os.sep)
            ),
            None,
        )


def open_project(paths: list[str], cache_directory: Path | bool, settings: str) -> ProjectHandle:
    """The project ``paths`` belong to, for a flake8 run with ``settings``: its model built now
    unless a run with the same settings left what this one needs, for the same modules."""
    files, caches = find_project(paths, cache_directory)
    cache = next((c for c in caches.values() if c is not None), None)
    name = "\0".join(str(root) for root in caches)
    # The modules are hashed only when an earlier run left a record to compare with (not when cold).
    digest = project_digest(files) if cache is not None and cache.has_run(name) else ""
    earlier = _run(cache.get_run(name, digest)) if cache is not None and digest else None
    if earlier is not None and settings in earlier[0]:
        return ProjectHandle(files, caches, digest, (earlier[1], earlier[2]), None)
    model = build_model(files, caches)
    live = (
        frozenset(path for path in model.by_path if model.has_live_boundary(path, False)),
        frozenset(path for path in model.by_path if model.has_live_boundary(path, True)),
    )
    # Kept unless a module changed between the hashing above and the model's own reading of it.
    if cache is not None and (model.digest == digest or not digest):
        seen = earlier[0] if earlier is not None else frozenset()
        cache.put_run(
            name,
            model.digest,
            {"settings": sorted({*seen, settings}), "live": sorted(live[0]), "public": sorted(live[1])},
        )
    return ProjectHandle(files, caches, model.digest, live, model)


def _run(stored: dict[str, Any] | None) -> tuple[frozenset[str], frozenset[str], frozenset[str]] | None:
    """(settings, live, public) as an earlier run stored them, or None when anything is amiss."""
    if stored is None:
        return None
    fields = [stored.get(name) for name in ("settings", "live", "public")]
    if not all(isinstance(f, list) and all(isinstance(item, str) for item in f) for f in fields):
        return None
    settings, live, public = (frozenset(f) for f in fields)  # type: ignore[arg-type]
    return settings, live, public
