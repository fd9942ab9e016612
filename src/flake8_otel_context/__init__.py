"""Find (and fix) OpenTelemetry trace context lost at concurrency boundaries."""

__version__ = "0.1.0"
