"""Module summaries kept on disk between runs, so editing one file re-summarises one file.

Like pylint's, the cache lives in the user's cache directory (``$XDG_CACHE_HOME`` or ``~/.cache``,
under ``flake8-otel-context/projects/``, one directory per project root), so a lint run writes
nothing into the project; relocated with ``otc-cache-dir`` it is one directory ignored by git on its
own (a ``.gitignore`` of ``*``) and by backup tools (``CACHEDIR.TAG``), like mypy's and ruff's.
The summaries of one project root are one JSON file (a warm run reads one file, not one per module),
each module's entry holding the key it was made for: the module's name, its content's digest and
the tool's own code. A summary is used only when all three match, so a stale, corrupt or foreign
entry is rebuilt, never believed. A file's findings are one JSON file per checked file (each flake8
worker writes its own). Writes go through a temporary file and an atomic rename, so concurrent runs
never read half a file (the last one's summaries win, each whole). A cache that cannot be written
costs speed, never an answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from flake8_otel_context import __version__
from flake8_otel_context.project.rows import from_row, to_row
from flake8_otel_context.project.summary import ModuleSummary


def default_directory(root: Path) -> Path:
    """Where the summaries of the project at ``root`` are kept unless ``otc-cache-dir`` says."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    name = hashlib.blake2b(str(root).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
    return Path(base) / "flake8-otel-context" / "projects" / f"{root.name}-{name}"


_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# flake8-otel-context's module summaries\n"


@lru_cache(maxsize=1)
def tool_key() -> str:
    """The tool's version, a digest of its own code (a development change invalidates too) and
    Python's version (its ``ast`` and its builtins shape a summary)."""
    digest = hashlib.blake2b(f"{__version__}|{sys.version_info[:2]}".encode(), digest_size=16)
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def findings_key(source: str, settings: str, project: str) -> str:
    """A file's findings depend on its text, the settings and every module's summary."""
    digest = hashlib.blake2b(source.encode("utf-8", "surrogateescape"), digest_size=16)
    digest.update(f"\0{settings}\0{project}\0{tool_key()}".encode())
    return digest.hexdigest()


def content_key(module: str, is_package: bool, data: bytes) -> str:
    digest = hashlib.blake2b(data, digest_size=16)
    digest.update(f"\0{module}\0{is_package}\0{tool_key()}".encode())
    return digest.hexdigest()


class SummaryCache:
    """Module summaries, and the findings of a file already analysed against the same project."""

    def __init__(self, directory: Path, root: str = "") -> None:
        self.directory = directory
        self.root = root  # the project root whose summaries this run reads and writes
        self._ready = False
        self._stored: dict[str, Any] | None = None  # module path -> [key, row], as read
        self._kept: dict[str, list[Any]] = {}  # what this run would write back
        self._changed = False

    def _entry(self, path: str, kind: str) -> Path:
        text = f"{kind}\0{path}".encode("utf-8", "surrogateescape")
        name = hashlib.blake2b(text, digest_size=16).hexdigest()
        return self.directory / name[:2] / f"{name}.json"

    def _summaries(self) -> dict[str, Any]:
        if self._stored is None:
            stored = self._read(self.root, "summaries", tool_key())
            self._stored = stored if isinstance(stored, dict) else {}
        return self._stored

    def get(self, path: str, key: str) -> ModuleSummary | None:
        entry = self._summaries().get(path)
        if not isinstance(entry, list) or len(entry) != 2 or entry[0] != key:
            return None
        try:
            summary = from_row(entry[1])
        except (KeyError, TypeError, ValueError, IndexError):
            return None
        self._kept[path] = entry
        return summary

    def put(self, path: str, key: str, summary: ModuleSummary) -> None:
        self._kept[path] = [key, to_row(summary)]
        self._changed = True

    def save(self) -> None:
        """Write the summaries this run used, when any was made anew (a module that is gone from
        the project leaves the file with them), and let go of the rows read: the model holds what
        the run needs."""
        if self._changed:
            self._write(self.root, "summaries", tool_key(), self._kept)
        self._stored, self._kept, self._changed = None, {}, False

    def has_run(self, name: str) -> bool:
        return self._entry(name, "run").is_file()

    def get_run(self, name: str, digest: str) -> dict[str, Any] | None:
        """What a run over the project ``name`` whose model had ``digest`` left for the next."""
        stored = self._read(name, "run", f"{digest}|{tool_key()}")
        return stored if isinstance(stored, dict) else None

    def put_run(self, name: str, digest: str, value: dict[str, Any]) -> None:
        self._write(name, "run", f"{digest}|{tool_key()}", value)

    def get_findings(self, path: str, key: str) -> list[tuple[int, int, str]] | None:
        """What the plugin reported in ``path`` when the file, the whole project's summaries and the
        settings were exactly those ``key`` digests; None when any of them changed."""
        stored = self._read(path, "findings", key)
        if not isinstance(stored, list):
            return None
        try:
            return [(int(line), int(col), str(message)) for line, col, message in stored]
        except (TypeError, ValueError):
            return None

    def put_findings(self, path: str, key: str, findings: list[tuple[int, int, str]]) -> None:
        self._write(path, "findings", key, findings)

    def _read(self, path: str, kind: str, key: str) -> Any:
        try:
            stored = json.loads(self._entry(path, kind).read_bytes())
            return stored["value"] if stored.get("key") == key else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None

    def _write(self, path: str, kind: str, key: str, value: Any) -> None:
        entry = self._entry(path, kind)
        try:
            self._prepare()
            entry.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            # dumps() encodes in C, unlike dump(); what is written is plain data made here, no cycles.
            text = json.dumps({"key": key, "value": value}, separators=(",", ":"), check_circular=False)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
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
