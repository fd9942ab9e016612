"""The libcst codemod front end, for libcst's own runner:

    python -m libcst.tool codemod --no-format -x flake8_otel_context.codemod.OtelContextFix PATH

Same rewrite as ``otel-context-fix`` (both call the fixer's engine on the module's code), so libcst's
own runner, with its ``-j``, ``-u`` and diff options, can apply it alongside other codemods.
"""

from __future__ import annotations

import argparse
from typing import get_args

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile

from flake8_otel_context.analysis.settings import Settings, SpanScope
from flake8_otel_context.cli.config import comma_list
from flake8_otel_context.cli.selection import selected_codes
from flake8_otel_context.fixer.engine import FixOptions, fix_source
from flake8_otel_context.fixer.tree import Style


class OtelContextFix(CodemodCommand):
    DESCRIPTION = (
        "Rewrite code where the OpenTelemetry context is lost at a thread, pool or task boundary "
        "(flake8-otel-context's OTC codes) into the attach/detach pattern."
    )

    def __init__(
        self,
        context: CodemodContext,
        style: Style = "auto",
        select: str = "",
        ignore: str = "",
        otc_span_scope: str = Settings().span_scope.value,
    ) -> None:
        super().__init__(context)
        self.options = FixOptions(
            settings=Settings(span_scope=SpanScope(otc_span_scope)),
            codes=frozenset(selected_codes(comma_list(select), comma_list(ignore))),
            style=style,
        )

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument("--style", choices=get_args(Style), default="auto")
        arg_parser.add_argument("--select", default="", help="comma-separated OTC codes (prefixes)")
        arg_parser.add_argument("--ignore", default="", help="comma-separated OTC codes (prefixes)")
        arg_parser.add_argument(
            "--otc-span-scope",
            dest="otc_span_scope",
            choices=[scope.value for scope in SpanScope],
            default=Settings().span_scope.value,
        )

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        result = fix_source(tree.code, self.options)
        for item in result.declined:
            finding = item.finding
            self.warn(f"line {finding.line}: {finding.code} not auto-fixable: {item.reason}")
        if result.source == tree.code:
            raise SkipFile("nothing to fix")
        return cst.parse_module(result.source).with_changes(encoding=tree.encoding)
