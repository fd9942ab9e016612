"""Read a source file exactly as Python would, and write it back only whole and unchanged in kind.

The text is decoded with the file's own declaration (PEP 263 cookie or BOM) and written back in the
same encoding, BOM and newlines; the write goes to a temporary file beside it, with the same mode,
and is renamed over the original, so a crash can never leave half a file.
"""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def physical_lines(text: str) -> list[str]:
    """The lines as Python numbers them (``str.splitlines`` also breaks at form feeds and more)."""
    return _LINE_BREAK.split(text) if "\r" in text else text.split("\n")


def character_column(line: str, byte_column: int) -> int:
    """``ast`` columns count UTF-8 bytes; libcst and SARIF count characters (both 0-based here)."""
    return len(line.encode("utf-8")[:byte_column].decode("utf-8", "replace"))


class SourceError(Exception):
    """A file that cannot be read, decoded, parsed or written; the message is one line for users."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    text: str
    encoding: str  # "utf-8-sig" when the file starts with a BOM, so encoding writes it back


def read_source(path: Path) -> SourceFile:
    """Only regular files: opening a FIFO or a device named ``*.py`` would block the run forever."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise SourceError("it is not a regular file")
        raw = path.read_bytes()
    except OSError as error:
        raise SourceError(f"cannot read it: {error.strerror or error}") from None
    return decode_source(raw, path)


def decode_source(raw: bytes, path: Path) -> SourceFile:
    """``raw`` decoded as Python would decode a file of those bytes (standard input, too)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        text = raw.decode(encoding)
    except SyntaxError as error:
        raise SourceError(f"bad encoding declaration: {error.msg}") from None
    except (UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"cannot decode it: {error}") from None
    if "\0" in text:
        raise SourceError("it contains null bytes")
    return SourceFile(path, text, encoding)


def verified_bytes(source: SourceFile, new_text: str) -> bytes:
    """``new_text`` encoded like the original, after proving it compiles and survives the round trip."""
    try:
        compile(new_text, str(source.path), "exec", dont_inherit=True)
        data = new_text.encode(source.encoding)
    except (SyntaxError, ValueError) as error:  # UnicodeEncodeError is a ValueError
        raise SourceError(f"the rewrite would not compile ({error}); please report it") from None
    if data.decode(source.encoding) != new_text:
        raise SourceError("the rewrite does not survive encoding; please report it")
    return data


def write_atomically(path: Path, data: bytes) -> None:
    """Refuses files without write permission, even for root: the rename would bypass it. A symbolic
    link is written through, to its target, and stays a link. The file is checked again right
    before the rename, so one deleted or made read-only meanwhile is neither recreated nor replaced.
    """
    path = path.resolve()
    mode = _writable_mode(path)
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise SourceError(f"cannot write beside it: {error.strerror or error}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        _writable_mode(path)
        os.replace(temporary, path)
    except (OSError, SourceError) as error:
        os.unlink(temporary)
        if isinstance(error, SourceError):
            raise
        raise SourceError(f"cannot write it: {error.strerror or error}") from None


def _writable_mode(path: Path) -> int:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as error:
        raise SourceError(f"cannot write it: {error.strerror or error}") from None
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        raise SourceError("it is read-only")
    return mode
