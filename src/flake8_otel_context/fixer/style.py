"""The fixer's styles, apart from the fixer: the flake8 plugin checks a config's ``style`` without
importing libcst (a fifth of a second at the start of every flake8 run)."""

from __future__ import annotations

from typing import Literal

# How boundaries are fixed: "auto" writes attach/detach into a nested worker whose every use the
# fixer sees and the call-site copy elsewhere; "copy-context" writes the call-site copy everywhere.
Style = Literal["auto", "copy-context"]
