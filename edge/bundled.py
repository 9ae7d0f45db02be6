"""Where the files the `edge` command ships with live: the guest SDKs, the samples and the docs.

In a checkout (and an editable install) they are the repository's `sdk/`, `samples/` and `docs/`.
A wheel carries copies inside the package, `edge/_bundled/sdk`, `edge/_bundled/samples` and
`edge/_bundled/docs` (setup.py puts them there), so `edge build`, `edge new`, plain `edge serve`
and `edge docs` need no checkout. Everything that looks for them asks here.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_BUNDLED = PACKAGE / "_bundled"


def root() -> Path:
    """The directory holding `sdk/`, `samples/` and `docs/`: the wheel's copy, else the checkout."""
    return _BUNDLED if (_BUNDLED / "sdk").is_dir() else PACKAGE.parent


def installed() -> bool:
    """True when running from an installed wheel (the data is the package's copy)."""
    return root() == _BUNDLED


def sdk(*parts: str) -> Path:
    """A path in the guest SDKs, e.g. sdk("c", "edge.h")."""
    return root().joinpath("sdk", *parts)


def samples(*parts: str) -> Path:
    """A path in the samples, e.g. samples("manifest.toml")."""
    return root().joinpath("samples", *parts)


def docs(*parts: str) -> Path:
    """A path in the documentation, e.g. docs("javascript.md"): what the scaffolds and messages
    point users to, present in a wheel too."""
    return root().joinpath("docs", *parts)


def writable_samples(state_dir: Path) -> Path:
    """The samples directory `edge serve` can build in: the checkout's own, or (installed,
    where the package directory is not ours to write) a copy under the state directory,
    refreshed file by file when the package brings changed ones. Unchanged files keep
    their times, so functions already built there are not built again."""
    if not installed():
        return samples()
    target = Path(state_dir) / "samples"
    _sync(samples(), target)
    return target


def _sync(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        destination = target / entry.name
        if entry.is_dir():
            _sync(entry, destination)
        elif not destination.exists() or not filecmp.cmp(entry, destination, shallow=False):
            shutil.copyfile(entry, destination)  # a fresh time: what was built from the old file rebuilds
