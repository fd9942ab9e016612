"""The flake8 front end: options in, findings out. All the work is in ``checker.analyze``."""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator

from flake8.options.manager import OptionManager

from flake8_otel_context import __version__
from flake8_otel_context.analysis.settings import Settings, SpanScope
from flake8_otel_context.checker import NOT_ANALYSED, analyze, worth_analysing
from flake8_otel_context.cli.config import ConfigError, check_flake8_config
from flake8_otel_context.project.cache import findings_key
from flake8_otel_context.collector import built_frozen
from flake8_otel_context.project.handle import ProjectHandle, open_project
from flake8_otel_context.project.load import cache_setting
from flake8_otel_context.rules import DEFAULT_OFF

# flake8 exits 1 for findings; a configuration this plugin cannot use is a usage error.
EXIT_CONFIGURATION = 2


class OtelContextChecker:
    name = "flake8-otel-context"
    version = __version__
    settings = Settings()
    # Built once per run in ``parse_options``, before flake8 forks its workers (which inherit it);
    # with the spawn start method each worker builds it again from the warm cache. When an earlier
    # run left all this one needs, the model itself is not built (see ``project.handle``).
    project: ProjectHandle | None = None

    def __init__(self, tree: ast.Module, lines: list[str], filename: str = "stdin") -> None:
        self._tree = tree
        self._lines = lines
        self._filename = filename

    @staticmethod
    def add_options(manager: OptionManager) -> None:
        manager.add_option(
            "--otc-span-scope",
            default=Settings().span_scope.value,
            choices=[scope.value for scope in SpanScope],
            parse_from_config=True,
            help=(
                "Where boundaries are assumed to run with a span active in the caller: 'project' "
                "(inside a span opened in this file or, through the project's calls, in another "
                "module, a tracing helper or an instrumented entry point), 'lexical' (only this "
                "file, read alone), 'public' (also a package's public API, which users call under "
                "their own spans, but not its set-up or tear-down steps), 'async' (also every async "
                "def), 'function' (also "
                "every function), 'everywhere' (also module level). Default: %(default)s"
            ),
        )
        manager.add_option(
            "--otc-cache-dir",
            default="",
            parse_from_config=True,
            help=(
                "Where the project model keeps its module summaries between runs (default: a "
                "directory per project under ~/.cache/flake8-otel-context; 'none' disables it)."
            ),
        )
        manager.add_option(
            "--otc-propagating",
            default="",
            comma_separated_list=True,
            parse_from_config=True,
            help=(
                "Comma-separated names (qualified or bare) of helpers, decorators and executor "
                "classes that carry the context themselves. 'threading' declares threads and "
                "thread pools instrumented project-wide (ThreadingInstrumentor)."
            ),
        )
        manager.extend_default_ignore(DEFAULT_OFF)

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        """flake8 does not check a config file's value against ``choices``; a bad one must end the
        run with flake8's own one-line error, not a traceback."""
        try:
            check_flake8_config(getattr(options, "config", None), getattr(options, "isolated", False))
            span_scope = SpanScope.parse(options.otc_span_scope)
        except (ConfigError, ValueError) as error:
            # One line naming the file, and the usage-error status: flake8's own "critical error"
            # is two lines without the file, and exits 1, the status of "findings".
            print(f"flake8-otel-context: {error}", file=sys.stderr)
            raise SystemExit(EXIT_CONFIGURATION) from None
        cls.settings = Settings(span_scope=span_scope, propagating=frozenset(options.otc_propagating))
        cls.project = None
        if span_scope.reads_project:
            stdin_name = getattr(options, "stdin_display_name", "stdin")
            paths = [stdin_name if p == "-" else p for p in getattr(options, "filenames", None) or ["."]]
            cache = cache_setting(getattr(options, "otc_cache_dir", ""))
            # flake8 forks its workers next; frozen, the model's many objects are neither scanned by
            # each worker's garbage collector nor copied into it page by page.
            cls.project = built_frozen(lambda: open_project(paths, cache, cls._settings_key()))

    @classmethod
    def _settings_key(cls) -> str:
        """The settings a file's findings depend on."""
        return f"{cls.settings.span_scope.value}|{sorted(cls.settings.propagating)}"

    def run(self) -> Iterator[tuple[int, int, str, type[OtelContextChecker]]]:
        source = "".join(self._lines)
        for line, col, message in self._findings(source):
            yield line, col, message, type(self)

    def _findings(self, source: str) -> list[tuple[int, int, str]]:
        """The analysis's findings, or those of an earlier run when neither this file, nor the
        settings, nor any module of the project has changed since (every code: flake8 selects).
        A file the analysis rules out on its first, cheap test is neither read from nor written to
        the cache: for it the cache would cost more than the answer."""
        project = self.project
        if not worth_analysing(source, self.settings, project=project, path=self._filename):
            return []
        path = project.real_path(self._filename) if project is not None else self._filename
        cache = project.cache_for(path) if project is not None else None
        key = findings_key(source, self._settings_key(), project.digest) if project is not None else ""
        if cache is not None:
            cached = cache.get_findings(path, key)
            if cached is not None:
                return cached
        model = project.model() if project is not None else None
        found = [
            (f.line, f.col, f.message)
            for f in analyze(self._tree, source, self.settings, project=model, path=self._filename)
        ]
        if cache is not None and not any(message.startswith(NOT_ANALYSED) for _, _, message in found):
            cache.put_findings(path, key, found)
        return found
