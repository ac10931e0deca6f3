#!/usr/bin/env python3
"""Build the communs wheel that instances install (``make wheel``).

The wheel carries the schemas, the reference data, the theme, the translations and the front-end
libraries, so that an instance needs neither this checkout nor npm. The libraries are copied from
``node_modules`` (``npm ci``) into the package's ``vendor/`` folder of a scratch copy of the
sources, which is then built offline with the setuptools of the running interpreter: the checkout
itself is left as it was.

    python scripts/build_wheel.py [--out dist]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from communs.site.vendor import write_vendor  # noqa: E402

# What the build reads: the package and the files pyproject.toml names.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "LICENSES", "plugins/communs")


def build_wheel(out: Path, node_modules: Path | None = None) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="communs-wheel-") as scratch:
        tree = Path(scratch) / "src"
        for name in SOURCES:
            source, target = ROOT / name, tree / name
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "vendor"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        write_vendor(tree / "plugins" / "communs" / "vendor", node_modules or ROOT / "node_modules")
        wheels = Path(scratch) / "wheels"
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
             "--wheel-dir", str(wheels), str(tree)],
            check=True,
        )
        (built,) = wheels.glob("communs-*.whl")
        target = out / built.name
        shutil.copy2(built, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--node-modules", type=Path, default=None)
    arguments = parser.parse_args()
    print(build_wheel(arguments.out, arguments.node_modules))


if __name__ == "__main__":
    main()
