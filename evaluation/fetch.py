"""Download the pinned packages of ``packages.toml`` and unpack them outside the repository.

    python -m evaluation.fetch [--into DIR]

Each wheel comes from ``pip download --no-deps name==version`` and is unpacked into
``DIR/src/name-version``; packages already unpacked are skipped, so a second run is instant.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from evaluation.corpus import APP_PACKAGES, PACKAGES, REPOSITORY, Package, default_corpus, packages


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--into", type=Path, default=default_corpus(), help="corpus directory (default: %(default)s)"
    )
    parser.add_argument(
        "--apps", action="store_true", help="the application-style corpus (evaluation/apps/) instead"
    )
    parser.add_argument("--packages-file", type=Path, help="pins from this file instead")
    arguments = parser.parse_args()
    corpus = arguments.into.resolve()
    if corpus.is_relative_to(REPOSITORY):
        sys.exit(f"{corpus}: inside the repository; third-party source must stay outside it")
    pinned = packages(arguments.packages_file or (APP_PACKAGES if arguments.apps else PACKAGES))
    for package in pinned:
        if package.root(corpus).is_dir():
            continue
        print(f"fetching {package.pin}", flush=True)
        unpack(download(package, corpus / "wheels"), package.root(corpus))
    print(f"{len(pinned)} packages in {corpus / 'src'}")


def download(package: Package, wheels: Path) -> Path:
    wheels.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=wheels) as scratch:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--quiet"]
        subprocess.run([*command, "--dest", scratch, package.pin], check=True)
        (wheel,) = Path(scratch).glob("*.whl")
        return Path(shutil.move(str(wheel), wheels / wheel.name))


def unpack(wheel: Path, root: Path) -> None:
    """Into a temporary sibling first, so an interrupted run never leaves half a package behind."""
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(partial)
    partial.rename(root)


if __name__ == "__main__":
    main()
