import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The project model caches module summaries in the user's cache directory; the suite (and every
# flake8 or otel-context-fix it starts) keeps them in a directory of its own instead.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="otel-context-test-cache-")
