"""Packaging beyond pyproject.toml: the wheel carries the SDKs, the samples and the docs.

`sdk/`, `samples/` and `docs/` stay at the top of the repository (the docs, tests and users of a
checkout refer to them there). Building a wheel copies them into the package as
`edge/_bundled/sdk`, `edge/_bundled/samples` and `edge/_bundled/docs`, so `edge build`, `edge new`,
plain `edge serve` and `edge docs` (the pointers in scaffolds and messages) work from
`pip install edge-wasm` too; `edge/bundled.py` finds them in either place. Editable installs
read the checkout directly and get no copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = ("sdk", "samples", "docs")
# build outputs and caches never ship: an installed copy builds its own
SKIP = shutil.ignore_patterns("build", "zig-out", ".zig-cache", "node_modules", "__pycache__", "*.pyc", ".*")


class BuildPyWithBundledData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "edge" / "_bundled"
        for name in BUNDLED:
            if (target / name).exists():
                shutil.rmtree(target / name)
            shutil.copytree(HERE / name, target / name, ignore=SKIP)


setup(cmdclass={"build_py": BuildPyWithBundledData})
