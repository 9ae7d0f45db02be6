"""Module bytes by sha256 in a local directory: the SQLite store's blobs, and a fleet
node's cache of the shared ones. Written atomically, never modified.

`deploying()` / `exclusive()` are a file lock shared by every process using the directory:
a deploy holds it shared from compiling its module until its version commits, and
leftover collection (edge/control/leftovers.py) only runs while it can hold it exclusively,
so it never removes what an in-progress deploy is about to refer to. The lock dies with
its process, so a deploy killed with SIGKILL never blocks collection.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ..files import write_atomic

LOCK_NAME = ".deploying"
SUFFIX = ".wasm"


class BlobStore:
    """`<dir>/<sha256>.wasm`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.directory / f"{sha256}{SUFFIX}"

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put(self, sha256: str, data: bytes) -> bool:
        """Store the bytes unless already there; True if written now."""
        path = self.path(sha256)
        if path.exists():
            return False
        write_atomic(path, data)
        fsync_dir(self.directory)  # the rename itself must survive a power cut before the commit does
        return True

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def head(self, sha256: str, size: int = 256) -> bytes:
        """The first bytes of a stored module, or b"" when it is not here (a fleet node fetches
        the rest only to compile): enough for what its first section says."""
        try:
            with open(self.path(sha256), "rb") as f:
                return f.read(size)
        except OSError:
            return b""

    def digests(self) -> list[str]:
        """The digests of the blobs present (not temporary files)."""
        return [p.name[: -len(SUFFIX)] for p in self.directory.glob(f"*{SUFFIX}") if not p.name.startswith(".")]

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    @contextlib.contextmanager
    def deploying(self) -> Iterator[None]:
        """Held (shared) by a deploy from its compile until its commit."""
        fd = os.open(self.directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[bool]:
        """True inside if no deploy is in progress (and none starts until the block ends)."""
        fd = os.open(self.directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
