"""Precompiled artifacts on disk: `<sha256>.<engine fingerprint>.cwasm`, one per module and engine.

An artifact is mapped from its file when loaded, not read into memory: a JavaScript
function's is ~10 MB, of which a process touches a few pages, and processes mapping the same
file share its pages. So an artifact is written once (atomically, read-only, with its
all-zero pages left as holes: ~40 % of a JavaScript function's) and only ever replaced by a
rename or removed: a file changed in place under a mapping would fault the process using it.

Processes sharing the directory (workers, a restart while another runs) compile a module
once: whoever compiles it holds `.<name>.lock` meanwhile, and the others wait for its
artifact instead of compiling the same code again (`compiling`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

import wasmtime

from ..files import write_atomic

# How long a process waits for another one compiling the same module before compiling it too
# (a stuck peer must not stop this one: at worst the module is compiled twice).
COMPILE_WAIT = 60.0


class ArtifactCache:
    """Precompiled artifacts on disk, keyed by sha256 and engine fingerprint; written atomically."""

    def __init__(self, directory: str | os.PathLike[str] | None) -> None:
        self.directory = Path(directory) if directory else None
        if self.directory:
            self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str, fingerprint: str) -> Path | None:
        if not self.directory:
            return None
        return self.directory / f"{digest}.{fingerprint}.cwasm"

    def exists(self, digest: str, fingerprint: str) -> bool:
        path = self.path(digest, fingerprint)
        return path is not None and path.exists()

    def deserialize(self, engine: wasmtime.Engine, digest: str, fingerprint: str) -> wasmtime.Module | None:
        """The stored artifact, mapped from its file (~0.3 ms and the pages used, against ~20 ms
        and a private copy of all ~10 MB of a JavaScript function's read into memory). None
        when there is none; a damaged or stale one is removed (the caller compiles)."""
        path = self.path(digest, fingerprint)
        if path is None or not path.exists():
            return None
        try:
            return wasmtime.Module.deserialize_file(engine, str(path))
        except wasmtime.WasmtimeError:
            pass
        try:  # a file system that cannot map files: read it (a damaged artifact fails here too)
            return wasmtime.Module.deserialize(engine, path.read_bytes())
        except (wasmtime.WasmtimeError, OSError):
            self.discard(digest, fingerprint)
            return None

    def write(self, digest: str, fingerprint: str, data: bytes) -> None:
        path = self.path(digest, fingerprint)
        if path is None:
            return
        write_atomic(path, data, mode=0o444, sparse=True)  # mapped by every process loading it

    def discard(self, digest: str, fingerprint: str) -> None:
        path = self.path(digest, fingerprint)
        if path is not None:
            path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def compiling(self, digest: str, fingerprint: str) -> Iterator[None]:
        """Held while this process compiles a module for this engine: another process about to
        compile it waits here (at most COMPILE_WAIT), then finds the artifact written."""
        path = self.path(digest, fingerprint)
        if path is None:
            yield
            return
        lock = path.with_name(f".{path.name}.lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + COMPILE_WAIT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break  # compile it here too
                    time.sleep(0.01)
            yield
        finally:
            os.close(fd)

    def compiled(self, digest: str, fingerprint: str) -> None:
        """This process compiled the module (its artifact written, or the compile failed): its
        lock file goes; anyone still waiting on it checks for the artifact next."""
        path = self.path(digest, fingerprint)
        if path is not None:
            path.with_name(f".{path.name}.lock").unlink(missing_ok=True)


