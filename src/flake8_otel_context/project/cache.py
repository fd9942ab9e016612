"""Module summaries kept on disk between runs, so editing one file re-summarises one file.

Like pylint's, the cache lives in the user's cache directory (``$XDG_CACHE_HOME`` or ``~/.cache``,
under ``flake8-otel-context/projects/``, one directory per project root), so a lint run writes
nothing into the project; relocated with ``otc-cache-dir`` it is one directory ignored by git on its
own (a ``.gitignore`` of ``*``) and by backup tools (``CACHEDIR.TAG``), like mypy's and ruff's.
One JSON file per module path, holding the key it was made for: the module's
name, its content's digest and the tool's own code. A summary is used only when all three match, so a
stale, corrupt or foreign entry is rebuilt, never believed. Writes go through a temporary file and an
atomic rename, so concurrent runs never read half a file. A cache that cannot be written costs speed,
never an answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from flake8_otel_context import __version__
from flake8_otel_context.project.summary import ModuleSummary


def default_directory(root: Path) -> Path:
    """Where the summaries of the project at ``root`` are kept unless ``otc-cache-dir`` says."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    name = hashlib.blake2b(str(root).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
    return Path(base) / "flake8-otel-context" / "projects" / f"{root.name}-{name}"


_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# flake8-otel-context's module summaries\n"


@lru_cache(maxsize=1)
def tool_key() -> str:
    """The tool's version and a digest of its own code: a development change invalidates too."""
    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def content_key(module: str, is_package: bool, data: bytes) -> str:
    digest = hashlib.blake2b(data, digest_size=16)
    digest.update(f"\0{module}\0{is_package}\0{tool_key()}".encode())
    return digest.hexdigest()


class SummaryCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._ready = False

    def _entry(self, path: str) -> Path:
        name = hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
        return self.directory / name[:2] / f"{name}.json"

    def get(self, path: str, key: str) -> ModuleSummary | None:
        try:
            with self._entry(path).open(encoding="utf-8") as handle:
                stored = json.load(handle)
            if stored.get("key") != key:
                return None
            return ModuleSummary.from_json(stored["summary"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, path: str, key: str, summary: ModuleSummary) -> None:
        entry = self._entry(path)
        try:
            self._prepare()
            entry.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({"key": key, "summary": summary.to_json()}, out, separators=(",", ":"))
            os.replace(temporary, entry)
        except OSError:
            return

    def _prepare(self) -> None:
        if self._ready:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", "# created by flake8-otel-context\n*\n"), ("CACHEDIR.TAG", _TAG)):
            marker = self.directory / name
            if not marker.exists():
                marker.write_text(text, encoding="utf-8")
        self._ready = True
