"""Run the fixer over the real-world corpus, in a scratch copy, and check what it wrote.

    python -m evaluation.fix_corpus [--corpus DIR] [--keep]

Every module the linter reads is copied to a temporary directory and fixed there, exactly as
``otel-context-fix`` would on disk. Then every rewritten file must compile, a second run must change
nothing, and the analysis must find nothing in it except what the first run declined. Prints the
counts and every failure; exits 1 on any failure. The corpus itself is never written to.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from evaluation.corpus import default_corpus, linted_files, packages, require_corpus
from flake8_otel_context.checker import analyze_source
from flake8_otel_context.fixer.engine import FixOptions, fix_source
from flake8_otel_context.fixer.run import fix_file
from flake8_otel_context.rules import DEFAULT_ON


def check_rewrite(path: Path, declined: int) -> str | None:
    """Why a rewritten file is wrong, or None."""
    text = path.read_text(encoding="utf-8")
    try:
        compile(text, str(path), "exec")
    except SyntaxError as error:
        return f"does not compile: line {error.lineno}: {error.msg}"
    again = fix_source(text, FixOptions())
    if again.source != text:
        return f"a second run changes it ({len(again.fixed)} more rewrites)"
    left = analyze_source(text, codes=DEFAULT_ON)
    if len(left) > declined:
        return f"{len(left)} findings left, only {declined} were declined: " + ", ".join(
            f"{f.line}:{f.code}" for f in left
        )
    return None


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy and print where it is")
    arguments = parser.parse_args()
    require_corpus(arguments.corpus)
    scratch = Path(tempfile.mkdtemp(prefix="otel-context-fix-corpus-"))
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    failures: list[str] = []
    try:
        for package in packages():
            root = package.root(arguments.corpus)
            for original, relative, _ in linted_files(root):
                copy = scratch / package.name / relative
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(original, copy)
                report = fix_file(str(copy), FixOptions(), write=True)
                counts["files"] += 1
                counts["findings"] += len(report.findings)
                counts["files with findings"] += bool(report.findings)
                counts["rewritten"] += len(report.fixed)
                counts["declined"] += len(report.declined)
                reasons.update(re.sub(r"\d+", "N", item.reason) for item in report.declined)
                if report.error:
                    failures.append(f"{package.name}: {relative}: {report.error}")
                if not report.fixed:
                    continue
                counts["files rewritten"] += 1
                problem = check_rewrite(copy, len(report.declined))
                if problem:
                    failures.append(f"{package.name}: {relative}: {problem}")
    finally:
        if arguments.keep:
            print(f"scratch copy kept in {scratch}")
        else:
            shutil.rmtree(scratch)
    print(f"{len(packages())} packages, {counts['files']} modules read, "
          f"{counts['files with findings']} with findings ({counts['findings']} findings)")
    print(f"{counts['rewritten']} findings rewritten in {counts['files rewritten']} files; "
          f"{counts['declined']} left for a person:")
    for reason, number in reasons.most_common():
        print(f"  {number:4}  {reason}")
    print(f"\nevery rewritten file compiles, is unchanged by a second run, and has nothing new to report: "
          f"{'yes' if not failures else 'NO'}")
    for failure in failures:
        print(f"  {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
