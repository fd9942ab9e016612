"""The fix command's options from the files users already keep them in.

Lowest to highest: flake8's configuration (``setup.cfg``, ``tox.ini`` or ``.flake8``, found the way
flake8 finds it, section ``[flake8]``), then ``[tool.flake8-otel-context]`` in the nearest
``pyproject.toml``, then the command line. From ``[flake8]`` only the rule selection, the excludes
and the ``otc-*`` options are read; the rest belongs to flake8 and its other plugins.
"""

from __future__ import annotations

import configparser
import difflib
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Union, get_args

from flake8.defaults import VALID_CODE_PREFIX
from flake8.exceptions import ExecutionError
from flake8.options.config import load_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from flake8_otel_context.analysis.settings import SpanScope
from flake8_otel_context.cli.selection import per_file_ignores
from flake8_otel_context.fixer.style import Style

Value = Union[str, list[str]]

# key -> what it holds: "codes", "list", "text", "per-file" (flake8's per-file-ignores), or a tuple of
# the values it may take
OPTIONS: dict[str, object] = {
    "select": "codes",
    "extend-select": "codes",
    "ignore": "codes",
    "extend-ignore": "codes",
    "exclude": "list",
    "extend-exclude": "list",
    "per-file-ignores": "per-file",
    "otc-span-scope": tuple(scope.value for scope in SpanScope),
    "otc-propagating": "list",
    "otc-cache-dir": "text",
    "style": get_args(Style),
}
_ONLY_IN_PYPROJECT = ("style",)
TABLE = "tool.flake8-otel-context"


class ConfigError(Exception):
    """A configuration file the command cannot use; the message says which file and what to fix."""


def comma_list(text: str) -> list[str]:
    """``"OTC1, OTC201"`` -> ``["OTC1", "OTC201"]``; config files may also put one item per line."""
    return [item.strip() for item in text.replace("\n", ",").split(",") if item.strip()]


def load_options(config: str | None = None, isolated: bool = False) -> dict[str, list[str] | str]:
    """Every option set in the configuration files, keyed as in ``OPTIONS``, values checked."""
    found: dict[str, list[str] | str] = {}
    if isolated:
        return found
    found.update(_flake8_options(config))
    pyproject = _nearest_pyproject(Path.cwd())
    if pyproject is not None:
        found.update(_pyproject_options(pyproject))
    return found


def _flake8_options(config: str | None) -> dict[str, list[str] | str]:
    try:
        parser, _ = load_config(config, [])
    except (ExecutionError, configparser.Error) as error:
        raise ConfigError(f"flake8 configuration: {error}") from None
    if not parser.has_section("flake8"):
        return {}
    where = f"{config or flake8_config_file(Path.cwd()) or 'flake8 configuration'} [flake8]"
    values: dict[str, Value] = {}
    for key, raw in parser.items("flake8"):
        key = key.replace("_", "-")
        if key in OPTIONS and key not in _ONLY_IN_PYPROJECT:
            values[key] = raw
        elif key.startswith("otc-"):
            raise ConfigError(f"{where}: unknown option {key!r}; known: {_known('otc-')}")
    return _checked(values, where)


def check_flake8_config(config: str | None, isolated: bool) -> None:
    """What the flake8 plugin cannot ask flake8 to do: reject an unknown or bad ``otc-*`` key of
    its configuration file (flake8 ignores keys no option claims), naming the file."""
    if not isolated:
        _flake8_options(config)


def flake8_config_file(start: Path) -> Path | None:
    """The file flake8 reads its configuration from, found as flake8 finds it: the first
    ``setup.cfg``, ``tox.ini`` or ``.flake8`` with a ``[flake8]`` section, from ``start`` upwards."""
    for directory in (start, *start.parents):
        for name in ("setup.cfg", "tox.ini", ".flake8"):
            candidate = directory / name
            parser = configparser.RawConfigParser()
            try:
                parser.read(candidate, encoding="utf-8")
            except (configparser.Error, UnicodeDecodeError):
                continue
            if parser.has_section("flake8") or parser.has_section("flake8:local-plugins"):
                return candidate
    return None


def _nearest_pyproject(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _pyproject_options(path: Path) -> dict[str, list[str] | str]:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    tools = document.get("tool", {})
    if not isinstance(tools, dict):
        raise ConfigError(f"{path}: [tool] must be a table")
    near = [name for name in tools if name != "flake8-otel-context" and _near_miss(name)]
    if near and "flake8-otel-context" not in tools:
        raise ConfigError(f"{path}: [tool.{near[0]}] is not read; did you mean [{TABLE}]?")
    table = tools.get("flake8-otel-context", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{TABLE}] must be a table")
    unknown = sorted(set(table) - set(OPTIONS))
    if unknown:
        raise ConfigError(f"{path}: unknown option {unknown[0]!r} in [{TABLE}]; known: {_known('')}")
    return _checked(table, f"{path} [{TABLE}]")


def _near_miss(name: str) -> bool:
    """``flake8_otel_context``, ``flake8-otel_context``, ``flake8-otel-contexts``: a misspelt table."""
    spelled = name.lower().replace("_", "-").replace(".", "-")
    return difflib.SequenceMatcher(None, spelled, "flake8-otel-context").ratio() >= 0.85


def _checked(values: Mapping[str, object], where: str) -> dict[str, list[str] | str]:
    checked: dict[str, list[str] | str] = {}
    for key, value in values.items():
        kind = OPTIONS[key]
        if kind == "per-file":
            text = "\n".join(value) if isinstance(value, list) else value
            try:
                per_file_ignores(str(text))
            except ExecutionError as error:
                raise ConfigError(f"{where}: {key}: {str(error).splitlines()[0]}") from None
            checked[key] = str(text)
            continue
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            items = [item.strip() for item in value if item.strip()]
        elif isinstance(value, str):
            items = comma_list(value)
        else:
            raise ConfigError(f"{where}: {key} must be a string or a list of strings, not {value!r}")
        if kind == "codes":
            bad = next((item for item in items if not VALID_CODE_PREFIX.match(item)), None)
            if bad is not None:
                raise ConfigError(f"{where}: {key}: {bad!r} is not an error code or prefix (like OTC1)")
        if kind == "text":
            if isinstance(value, list):
                raise ConfigError(f"{where}: {key} must be a string, not {value!r}")
            checked[key] = str(value).strip()
            continue
        if isinstance(kind, tuple):
            if len(items) != 1 or items[0] not in kind:
                raise ConfigError(f"{where}: {key} must be one of {', '.join(kind)}, not {value!r}")
            checked[key] = items[0]
        else:
            checked[key] = items
    return checked


def _known(prefix: str) -> str:
    return ", ".join(key for key in OPTIONS if key.startswith(prefix))
