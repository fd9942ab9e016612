"""The same rewrite, as a libcst codemod that libcst's own runner and test harness accept."""

from __future__ import annotations

from libcst.codemod import CodemodTest

from flake8_otel_context.codemod import OtelContextFix
from flake8_otel_context.rules import RULES_BY_CODE

BROKEN_THREAD = """
    import threading

    from opentelemetry import trace

    tracer = trace.get_tracer(__name__)


    def handle():
        def _flush():
            export()

        with tracer.start_as_current_span("handle"):
            threading.Thread(target=_flush).start()
"""


class TestOtelContextFix(CodemodTest):
    TRANSFORM = OtelContextFix

    def test_nested_worker_gets_the_attach_detach_pattern(self) -> None:
        after = """
            import threading

            from opentelemetry import context as otel_context
            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def handle():
                def _flush(ctx):
                    token = otel_context.attach(ctx)
                    try:
                        export()
                    finally:
                        otel_context.detach(token)

                with tracer.start_as_current_span("handle"):
                    threading.Thread(target=_flush, args=(otel_context.get_current(),)).start()
        """
        self.assertCodemod(BROKEN_THREAD, after)

    def test_copy_context_style_changes_only_the_call_site(self) -> None:
        after = """
            import contextvars
            import functools
            import threading

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def handle():
                def _flush():
                    export()

                with tracer.start_as_current_span("handle"):
                    threading.Thread(target=functools.partial(contextvars.copy_context().run, _flush)).start()
        """
        self.assertCodemod(BROKEN_THREAD, after, style="copy-context")

    def test_code_without_findings_is_skipped(self) -> None:
        clean = """
            import asyncio

            async def main():
                await asyncio.to_thread(print, "hi")
        """
        self.assertCodemod(clean, clean, expected_skip=True)

    def test_findings_it_cannot_fix_become_warnings(self) -> None:
        process = """
            from concurrent.futures import ProcessPoolExecutor

            from opentelemetry import trace

            tracer = trace.get_tracer(__name__)


            def handle(pool: ProcessPoolExecutor):
                with tracer.start_as_current_span("handle"):
                    pool.submit(work)
        """
        warning = f"line 10: OTC104 not auto-fixable: {RULES_BY_CODE['OTC104'].not_fixable}"
        self.assertCodemod(process, process, expected_skip=True, expected_warnings=[warning])

    def test_selection_limits_the_rules_it_fixes(self) -> None:
        self.assertCodemod(BROKEN_THREAD, BROKEN_THREAD, expected_skip=True, ignore="OTC103")
