"""This server's release: the installed package's version, what `edge --version` prints.
Each worker records it with its heartbeats, so `edge nodes` shows which nodes a rolling
upgrade has reached."""

from __future__ import annotations

from functools import cache
from importlib import metadata

PACKAGE = "edge-wasm"


@cache
def release() -> str:
    """The installed version of edge-wasm ("unknown" when run from a tree that is not installed)."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"
