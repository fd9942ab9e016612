"""The run-time sanitizer behind ``pytest --otel-context``: it watches a test run and reports every
boundary where a span that was current at the call did not reach the spans started on the other side.

Static analysis stops where code stops being visible (instrumentation that opens spans at run time,
executors built in other packages, workers that are callbacks). A test run sees those. The sanitizer
only observes: it wraps the boundaries and the SDK's ``start_span`` to take notes, never carries a
context itself, and never changes what a call returns or raises. ``pytest_plugin`` is its front end.
"""
