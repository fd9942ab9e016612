"""Find the project the checked paths belong to, and summarise every module in it (cache first).

The project is the paths being checked plus the package(s) they belong to: from each path, the
nearest directory upwards holding ``pyproject.toml``, ``setup.cfg``, ``setup.py`` or ``.git`` (as
flake8, black and ruff find theirs), else its top-level package (or its own directory, outside a
package). So linting one file (an editor, pre-commit on staged files)
still sees the rest of its project.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from flake8_otel_context.collector import accumulating
from flake8_otel_context.project.cache import SummaryCache, content_key, default_directory
from flake8_otel_context.project.model import ProjectModel
from flake8_otel_context.project.summarise import summarise
from flake8_otel_context.project.summary import ModuleSummary

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
SKIPPED_DIRECTORIES = frozenset(
    {"__pycache__", "node_modules", "site-packages", "build", "dist", "venv", "env"}
)
MAX_FILES = 20_000  # a project bigger than this is read up to here: the model sees less, never fails
MAX_FILE_BYTES = 4_000_000  # a bigger module is generated code: it gets no summary


def project_root(path: Path) -> Path:
    start = path if path.is_dir() else path.parent
    for directory in (start, *start.parents):
        if any(os.path.lexists(directory / marker) for marker in ROOT_MARKERS):
            return directory
    # No marker (an unpacked wheel, a vendored tree): the top-level package the path is in, so one
    # module of ``pkg/sub/`` still sees the rest of ``pkg``, and not whatever else lies beside it
    # (``/tmp``, a home directory).
    while is_regular_package(start.parent) and start.parent != start:
        start = start.parent
    return start


def is_regular_package(directory: Path) -> bool:
    return (directory / "__init__.py").is_file()


def module_name(
    path: Path, is_package_directory: Callable[[Path], bool] = is_regular_package
) -> tuple[str, bool]:
    """The dotted name Python imports ``path`` as, from the packages (``__init__.py``) around it.
    ``is_package_directory``: the test of a directory, remembered over a whole project by
    ``build_model`` (every module of a package asks it of the same few directories)."""
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    directory = path.parent
    while is_package_directory(directory):
        parts.insert(0, directory.name)
        directory = directory.parent
    return ".".join(parts) or path.parent.name, is_package


def namespace_names(
    path: Path, root: Path, is_package_directory: Callable[[Path], bool] = is_regular_package
) -> list[str]:
    """The longer names a module is also imported by when the directories above its first regular
    package are namespace packages (PEP 420: no ``__init__.py``, as ``google/cloud/``), up to the
    project root: ``spanner_v1.table`` is also ``cloud.spanner_v1.table`` and
    ``google.cloud.spanner_v1.table``. Directories that are not identifiers end the walk."""
    name, _ = module_name(path, is_package_directory)
    directory = path.parent
    while is_package_directory(directory):
        directory = directory.parent
    names = []
    while directory != root and root in directory.parents and directory.name.isidentifier():
        name = f"{directory.name}.{name}"
        names.append(name)
        directory = directory.parent
    return names


def project_files(roots: Iterable[Path]) -> Iterator[Path]:
    count = 0
    seen: set[str] = set()
    for root in roots:
        for directory, subdirectories, files in os.walk(root):
            subdirectories[:] = sorted(
                d for d in subdirectories if not d.startswith(".") and d not in SKIPPED_DIRECTORIES
            )
            # Resolved once per directory; a file is resolved on its own only when it is a link
            # (``realpath`` of each file costs an ``lstat`` per component of its path).
            real_directory = os.path.realpath(directory)
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(directory, name)
                real = os.path.realpath(path) if os.path.islink(path) else os.path.join(real_directory, name)
                if real in seen:
                    continue
                seen.add(real)
                count += 1
                if count > MAX_FILES:
                    return
                yield Path(real)


def load_project(paths: Iterable[str], cache_directory: Path | None | bool = True) -> ProjectModel:
    """The model of the project(s) ``paths`` belong to. ``cache_directory``: True for the default
    place (see ``cache.default_directory``), a directory, or False/None for no cache."""
    return build_model(*find_project(paths, cache_directory))


def find_project(
    paths: Iterable[str], cache_directory: Path | None | bool = True
) -> tuple[list[tuple[Path, Path]], dict[Path, SummaryCache | None]]:
    """The modules of the project(s) ``paths`` belong to, each with its root, and each root's cache."""
    roots = sorted({project_root(Path(os.path.realpath(p))) for p in paths if p != "-"} or {Path.cwd()})
    caches = {root: _cache_for(root, cache_directory) for root in roots}
    return [(path, root) for root in roots for path in project_files([root])], caches


def project_digest(files: list[tuple[Path, Path]]) -> str:
    """The digest ``build_model`` gives the model of ``files``, from their contents alone: what a
    run can know without summarising (or reading the summaries of) any module."""
    is_package_directory = functools.cache(is_regular_package)
    digest = hashlib.blake2b(digest_size=16)
    for path, _ in files:
        name, is_package = module_name(path, is_package_directory)
        _, key, _ = _content(path, name, is_package)
        digest.update(f"{path}\0{key}\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def build_model(
    files: list[tuple[Path, Path]], caches: Mapping[Path, SummaryCache | None] | None = None
) -> ProjectModel:
    """The model of ``files`` (each with its project root), summaries from ``caches`` (per root)
    where their keys match, whole-project answers worked out (``ProjectModel.prepare``).

    Out of the collector's way (``collector.accumulating``): summarising allocates many objects
    that die with their module (its tree, its facts) and keeps a few for the whole run (its
    summary). Python's automatic collector scans the kept ones again and again as they pile up,
    which made the time grow faster than the project (x2.3 over three of the corpus's packages);
    collecting the young generation now and then instead still scanned each once, for nothing."""
    caches = caches or {}
    is_package_directory = functools.cache(is_regular_package)
    with accumulating() as step:
        summaries = []
        aliases: dict[str, str] = {}
        digest = hashlib.blake2b(digest_size=16)
        for path, root in files:
            summary, key = _summary(path, caches.get(root), is_package_directory)
            summaries.append(summary)
            names = namespace_names(path, root, is_package_directory)
            aliases.update((alias, summary.name) for alias in names)
            digest.update(f"{path}\0{key}\0".encode("utf-8", "surrogateescape"))
            step()
        for cache in caches.values():
            if cache is not None:
                cache.save()
        model = ProjectModel(summaries, digest.hexdigest(), aliases)
        model.caches = {str(root): cache for root, cache in caches.items() if cache is not None}
        return model.prepare()


def cache_setting(text: str) -> Path | bool:
    """The ``otc-cache-dir`` option: empty for the default place, ``none`` for no cache, or a path."""
    text = text.strip()
    if not text:
        return True
    if text.lower() == "none":
        return False
    return Path(text).expanduser()


def _cache_for(root: Path, cache_directory: Path | None | bool) -> SummaryCache | None:
    if cache_directory is True:
        return SummaryCache(default_directory(root), str(root))
    if isinstance(cache_directory, Path):
        return SummaryCache(cache_directory, str(root))
    return None


def _summary(
    path: Path, cache: SummaryCache | None, is_package_directory: Callable[[Path], bool] = is_regular_package
) -> tuple[ModuleSummary, str]:
    """The module's summary, and the key of what it was made from (its content, or why not)."""
    name, is_package = module_name(path, is_package_directory)
    data, digest, error = _content(path, name, is_package)
    if data is None:
        return ModuleSummary(name, str(path), error=error), digest
    key = str(path)
    if cache is not None:
        cached = cache.get(key, digest)
        if cached is not None:
            return cached, digest
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        summary = ModuleSummary(name, key, error="is not UTF-8")
    else:
        summary = summarise(source, name, key, is_package)
    if cache is not None:
        cache.put(key, digest, summary)
    return summary, digest


def _content(path: Path, name: str, is_package: bool) -> tuple[bytes | None, str, str]:
    """The module's bytes and their key, or None, the key of why not, and the error to report."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a FIFO or device named *.py: never opened
            return None, "not a regular file", "is not a regular file"
        if status.st_size > MAX_FILE_BYTES:
            return None, f"too large {status.st_size}", "too large to summarise"
        data = path.read_bytes()
    except OSError as error:
        return None, "unreadable", f"cannot be read: {error.strerror or error}"
    return data, content_key(name, is_package, data), ""
