"""Run the real flake8 (with this plugin installed) in a directory, as a user would.

No ``--select``: an explicit select would also turn on the opt-in OTC210, unlike a default run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    status: int
    stdout: str
    stderr: str

    @property
    def codes(self) -> list[tuple[int, str]]:
        """(line, code) of every OTC problem and syntax error reported."""
        found = []
        for row in self.stdout.splitlines():
            _, line, _, message = row.split(":", 3)
            code = message.split()[0]
            if code.startswith("OTC") or code == "E999":
                found.append((int(line), code))
        return found


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def flake8(directory: Path, *args: str) -> Result:
    completed = subprocess.run(
        [sys.executable, "-m", "flake8", *args, "."],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)
