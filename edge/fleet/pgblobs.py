"""A node's cache of the shared module bytes: the same directory layout as the SQLite
store's blobs, filled from PostgreSQL on first use, so a restarted node loads its versions
(and their compiled artifacts, which the runtime keeps beside) without downloading again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..control.blobs import BlobStore
from ..control.rows import StoreError, StoreUnavailable
from ..runtime.module import sha256


class CachedBlobs(BlobStore):
    def __init__(self, directory: Path, fetch: Callable[[str], bytes]) -> None:
        super().__init__(directory)
        self._fetch = fetch

    def get(self, digest: str) -> bytes:
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError:
            pass
        try:
            data = self._fetch(digest)
        except StoreUnavailable as exc:  # say which file was looked for: the operator may have it elsewhere
            raise StoreUnavailable(f"the module bytes are not in this node's cache ({self.path(digest)}) "
                                   f"and {exc}", exc.reason) from None
        if sha256(data) != digest:
            raise StoreError(f"stored module {digest} is damaged (its bytes hash to {sha256(data)})")
        with self.deploying():  # collection must not race the cache write
            self.put(digest, data)
        return data
