"""The ``otel-context-fix`` command."""
