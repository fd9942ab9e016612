"""The files a run covers: files named on the command line, and ``*.py`` under named directories."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence

from flake8.defaults import EXCLUDE


DEFAULT_EXCLUDE = (*EXCLUDE, ".venv", "venv")


def python_files(paths: Sequence[str], exclude: Sequence[str]) -> Iterator[str]:
    """Named files always; directories walked in sorted order, skipping excluded names (as flake8
    does, a pattern matches a file's or directory's name or its path)."""
    for path in paths:
        if not os.path.isdir(path):
            yield path
            continue
        for root, directories, files in os.walk(path):
            directories[:] = sorted(d for d in directories if not _excluded(root, d, exclude))
            for name in sorted(files):
                if name.endswith(".py") and not _excluded(root, name, exclude):
                    yield os.path.join(root, name)


def _excluded(root: str, name: str, patterns: Sequence[str]) -> bool:
    full = os.path.join(root, name)
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(full, p) for p in patterns)
