"""Writing a file so that readers see the old one or the whole new one (the store's blobs, the
compiled artifacts, a node's last-known state), with no import of the runtime: the control plane
and `edge serve`'s main process write files without loading wasmtime."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

BLOCK = 4096  # zero blocks of this size are left as holes


def write_atomic(path: Path, data: bytes, mode: int | None = None, *, sparse: bool = False) -> None:
    """Temp file, fsync, rename: readers see the old file or the whole new one. `sparse`:
    blocks of zeros are skipped (holes), which read back as zeros and take no disk."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if sparse:
                _write_sparse(f.fileno(), data)
            else:
                f.write(data)
                f.flush()
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_sparse(fd: int, data: bytes) -> None:
    """Write the runs of blocks holding anything but zeros at their offsets; the file's size is
    set last, so trailing zeros are a hole too."""
    view = memoryview(data)
    zero = bytes(BLOCK)
    size = len(data)
    run = -1  # start of the current run of non-zero blocks
    for start in range(0, size, BLOCK):
        block = view[start:start + BLOCK]
        if block == zero[:len(block)]:
            if run >= 0:
                _pwrite_all(fd, view[run:start], run)
                run = -1
        elif run < 0:
            run = start
    if run >= 0:
        _pwrite_all(fd, view[run:size], run)
    os.ftruncate(fd, size)


def _pwrite_all(fd: int, data: memoryview, offset: int) -> None:
    while data:
        written = os.pwrite(fd, data, offset)
        if written <= 0:
            raise OSError(errno.EIO, "short write")
        data, offset = data[written:], offset + written
