"""Leftover collection: what no version refers to any more, removed at start and after deletes.

What is collected:
- temporary files (`.<name>.<random>.tmp`) of atomic writes that never finished (a process
  killed while writing a blob or an artifact), and the lock files of compiles a killed process
  left (`.<artifact>.lock`, edge/runtime/artifacts.py);
- module blobs no stored version refers to (a deploy killed between writing its blob and
  committing; the versions deleted since): local files, and for a shared store its rows;
- compiled artifacts (`<sha256>.<engine>.cwasm`) of modules no stored version refers to.

What is never touched: anything a stored version refers to, and anything a deploy in
progress is about to refer to — collection runs only
while it holds the blob directory's lock exclusively, and every deploy, compile and
artifact write of the control plane holds it shared (edge/control/blobs.py). When a deploy
holds it, collection is skipped and retried later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .storeapi import ControlStore

log = logging.getLogger("edge.control")


@dataclass
class Collected:
    temporary: int = 0
    blobs: int = 0
    artifacts: int = 0
    shared_blobs: int = 0
    skipped: bool = False  # a deploy was in progress: nothing done, try again later

    @property
    def total(self) -> int:
        return self.temporary + self.blobs + self.artifacts + self.shared_blobs


def collect(store: ControlStore, artifact_dir: Path | None) -> Collected:
    """Remove leftovers (see the module docstring). A deleted version still loaded (requests
    in flight finish on it) needs neither: its module is compiled and in memory."""
    out = Collected()
    with store.blobs.exclusive() as alone:
        if not alone:
            out.skipped = True
            return out
        referenced = store.referenced_blobs()  # read while no deploy of ours can commit
        keep = referenced
        out.temporary += _remove_temporary(store.blobs.directory)
        for digest in store.blobs.digests():
            if digest not in keep:
                store.blobs.remove(digest)
                out.blobs += 1
        if artifact_dir is not None and artifact_dir.is_dir():
            out.temporary += _remove_temporary(artifact_dir) + _remove_temporary(artifact_dir, ".*.cwasm.lock")
            for path in artifact_dir.glob("*.cwasm"):
                digest = path.name.split(".", 1)[0]
                if not path.name.startswith(".") and digest not in keep:
                    path.unlink(missing_ok=True)
                    out.artifacts += 1
    out.shared_blobs = store.collect_blobs(referenced)
    if out.total:
        log.info("collected leftovers: %d temporary files, %d blobs, %d artifacts, %d shared blobs",
                 out.temporary, out.blobs, out.artifacts, out.shared_blobs)
    return out


def discard(store: ControlStore, artifact_dir: Path | None, digest: str) -> bool:
    """After a refused deploy: remove the module bytes (this node's copy) and the compiled
    artifacts it left for `digest`, unless a stored version refers to that module. False if a
    deploy is in progress (it may be about to refer to them): the next collection does it."""
    with store.blobs.exclusive() as alone:
        if not alone:
            return False
        with store.read() as tx:
            if tx.blob_referenced(digest):
                return True
        store.blobs.remove(digest)
        if artifact_dir is not None and artifact_dir.is_dir():
            for path in artifact_dir.glob(f"{digest}.*.cwasm"):
                path.unlink(missing_ok=True)
    return True


def _remove_temporary(directory: Path, pattern: str = ".*.tmp") -> int:
    count = 0
    for path in directory.glob(pattern):
        try:
            path.unlink()
            count += 1
        except FileNotFoundError:
            pass
    return count
