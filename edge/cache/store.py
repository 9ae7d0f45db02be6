"""The per-process response store: byte-bounded LRU with purge-by-pattern and counters."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cachetools import LRUCache

from .entry import CachedResponse
from .key import key_path
from .pattern import compile_pattern

MiB = 1024 * 1024


class _Entries(LRUCache):
    """LRUCache that reports evictions (cachetools evicts through popitem)."""

    def __init__(self, maxsize: int, on_evict: Callable[[], None]) -> None:
        super().__init__(maxsize, getsizeof=lambda entry: entry.size)
        self._on_evict = on_evict

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self._on_evict()
        return item


class ResponseCache:
    """Stored responses by cache key, least recently used evicted first past `max_bytes`.

    Not thread-safe: it belongs to one event loop. `get` returns stale entries too, because
    the caller decides between a fresh hit, a revalidation and serving stale on error.
    The clock defaults to wall-clock time so that entry times and HTTP dates share one base.
    """

    def __init__(
        self,
        max_bytes: int = 256 * MiB,
        max_entry_bytes: int = 8 * MiB,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_bytes <= 0 or max_entry_bytes <= 0:
            raise ValueError("cache sizes must be positive")
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.clock = clock
        self._hits = self._misses = self._refresh_hits = self._evictions = 0
        self._entries = _Entries(max_bytes, self._count_eviction)

    def _count_eviction(self) -> None:
        self._evictions += 1

    def get(self, key: str) -> CachedResponse | None:
        """The entry for `key`, fresh or not.

        Counts a fresh entry as a hit and anything else as a miss; `put(..., refresh=True)`
        later turns such a miss into a refresh hit.
        """
        entry = self._entries.get(key)
        if entry is not None and entry.fresh(self.clock()):
            self._hits += 1
        else:
            self._misses += 1
        return entry

    def put(self, key: str, entry: CachedResponse, *, refresh: bool = False) -> bool:
        """Store (or replace) an entry; False, and nothing stored, when it is over `max_entry_bytes`.

        The TTL is not checked: callers store only what `ttl_for` gave a positive TTL.

        `refresh=True` says the entry came from a 304 revalidation of a stale lookup.
        """
        if entry.size > self.max_entry_bytes:
            self._entries.pop(key, None)  # an older, smaller copy must not outlive this answer
            return False
        self._entries[key] = entry
        if refresh:
            self._refresh_hits += 1
            self._misses = max(0, self._misses - 1)
        return True

    def invalidate(self, pattern: str) -> int:
        """Purge every entry whose path matches a CloudFront path pattern; returns how many.

        All variants of a path (query strings, headers, cookies, OPTIONS) go together, as a
        CloudFront invalidation does.
        """
        regex = compile_pattern(pattern)
        doomed = [key for key in self._entries if regex.fullmatch(_slashed(key_path(key)))]
        for key in doomed:
            del self._entries[key]
        return len(doomed)

    def clear(self) -> None:
        self._entries.clear()

    def stats(self) -> dict[str, int]:
        return {
            "entries": len(self._entries),
            "bytes": int(self._entries.currsize),
            "max_bytes": self.max_bytes,
            "hits": self._hits,
            "misses": self._misses,
            "refresh_hits": self._refresh_hits,
            "evictions": self._evictions,
        }

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries


def _slashed(path: str) -> str:
    return path if path.startswith("/") else "/" + path
