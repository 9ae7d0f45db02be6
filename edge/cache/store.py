"""The per-process response store: byte-bounded LRU with purge-by-pattern and counters."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cachetools import Cache, LRUCache

from .entry import CachedResponse
from .headers import Headers
from .key import key_path
from ..patterns import PathMatcher, slashed
from .vary import vary_matches

MiB = 1024 * 1024

# A purge gives the event loop back after this much work (seconds), so edge traffic goes on.
PURGE_SLICE = 0.002
_CHECK_EVERY = 64  # entries between clock reads while purging (exact, prefix, suffix patterns)
# Invalidations are remembered this long after they began (and at most RECENT_PURGES of them):
# an answer whose origin request was sent before one of them is not stored when it lands. An
# answer asked for before the newest one forgotten is not stored at all (its origin request may
# have outlived any bound: a body that trickles in), so the window only bounds memory and time.
RECENT_PURGE_SECONDS = 900.0
RECENT_PURGES = 1000

_peek = Cache.__getitem__  # an entry without making it recently used


class _Entries(LRUCache):
    """LRUCache that reports evictions (cachetools evicts through popitem) and keeps each
    key's URL path beside it, so an invalidation reads paths without decoding a key."""

    def __init__(self, maxsize: int, on_evict: Callable[[], None]) -> None:
        super().__init__(maxsize, getsizeof=lambda entry: entry.size)
        self._on_evict = on_evict
        self.paths: dict[str, str] = {}

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self._on_evict()
        return item

    def __delitem__(self, key: Any) -> None:  # every removal (del, pop, popitem) comes here
        LRUCache.__delitem__(self, key)
        self.paths.pop(key, None)

    def clear(self) -> None:
        LRUCache.clear(self)
        self.paths.clear()


@dataclass(eq=False)
class _Purge:
    """An invalidation being applied: entries stored up to `started` that match are gone."""

    matcher: PathMatcher
    started: float
    removed: int = 0


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
        self._purging: list[_Purge] = []  # invalidations still being applied (`purge`)
        self._recent: deque[_Purge] = deque()  # applied: see RECENT_PURGE_SECONDS
        self._latest_purge = float("-inf")  # when the newest purge began (none covers what was asked after)
        self._forgotten_before = float("-inf")  # when the newest purge no longer remembered began
        self._tasks: set[asyncio.Task[int]] = set()

    def _count_eviction(self) -> None:
        self._evictions += 1

    def get(self, key: str, headers: Headers = (), *, count: bool = True) -> CachedResponse | None:  # type: ignore[assignment]
        """The entry for `key`, fresh or not, if it may answer a request with these headers.

        An entry stored with a Vary answers only requests with the same values of the headers
        it names (None otherwise), and an entry an invalidation in progress covers is gone.
        Counts a fresh entry as a hit and anything else as a miss; `put(..., refresh=True)`
        later turns such a miss into a refresh hit.
        """
        entry = self._entries.get(key)
        if entry is not None:
            if (self._purging and self._purged(key, entry)) or (
                entry.vary is not None and not vary_matches(entry.vary, headers)
            ):
                entry = None
            elif entry.fresh(self.clock()):
                self._hits += count
                return entry
        self._misses += count
        return entry

    def put(self, key: str, entry: CachedResponse, *, refresh: bool = False, asked_at: float | None = None) -> bool:
        """Store (or replace) an entry; False, and nothing stored, when it is over `max_entry_bytes`
        or an invalidation covering it began after `asked_at` (when its origin request was sent,
        on the cache's clock): an answer fetched before an invalidation is not a fresh one.

        The TTL is not checked: callers store only what `ttl_for` gave a positive TTL.

        `refresh=True` says the entry came from a 304 revalidation of a stale lookup.
        """
        entries = self._entries
        path = entries.paths.get(key) or slashed(key_path(key))
        entry.charge_key(key, path)
        if entry.size > self.max_entry_bytes or (asked_at is not None and self._invalidated_since(path, asked_at)):
            entries.pop(key, None)  # an older copy must not outlive this answer
            return False
        entries[key] = entry
        if key not in entries.paths:
            entries.paths[key] = path
        if refresh:
            self._refresh_hits += 1
            self._misses = max(0, self._misses - 1)
        return True

    def _invalidated_since(self, path: str, asked_at: float) -> bool:
        """Did an invalidation covering `path` begin at or after `asked_at`? (Or one that is no
        longer remembered: then it may have.) O(1) when none began since."""
        if asked_at > self._latest_purge:
            return False
        if asked_at <= self._forgotten_before:
            return True
        for job in (*self._purging, *self._recent):
            if job.started >= asked_at and job.matcher.matches(path) is not False:  # None: still compiling
                return True
        return False

    def _remember(self, job: _Purge) -> None:
        """Keep an applied purge for `_invalidated_since`, forgetting the oldest past the bounds."""
        recent = self._recent
        recent.append(job)
        horizon = self.clock() - RECENT_PURGE_SECONDS
        while recent and (len(recent) > RECENT_PURGES or recent[0].started < horizon):
            self._forgotten_before = max(self._forgotten_before, recent.popleft().started)

    # -- invalidation --------------------------------------------------------------------------

    def invalidate(self, patterns: str | Iterable[str]) -> int:
        """Purge every entry whose path matches a CloudFront path pattern; returns how many.

        All variants of a path (query strings, headers, cookies, OPTIONS) go together, as a
        CloudFront invalidation does. One pass over the entries for all the patterns, at once
        (`purge` does the same in slices, giving the event loop back in between).
        """
        matcher = PathMatcher([patterns] if isinstance(patterns, str) else patterns)
        matcher.compile()
        matches = matcher.matches
        started = self.clock()
        self._latest_purge = max(self._latest_purge, started)
        self._remember(_Purge(matcher, started))
        doomed = [key for key, path in self._entries.paths.items() if matches(path)]
        for key in doomed:
            del self._entries[key]
        return len(doomed)

    def purge(self, patterns: Iterable[str]) -> asyncio.Task[int]:
        """`invalidate` without holding the event loop: from this call on no entry the patterns
        cover is served, and a task removes them, yielding every PURGE_SLICE seconds of work.

        Entries stored after this call (answers fetched meanwhile) are kept. Needs a running loop.
        """
        job = _Purge(PathMatcher(patterns), self.clock())
        self._latest_purge = max(self._latest_purge, job.started)
        self._purging.append(job)
        task = asyncio.get_running_loop().create_task(self._purge(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _purge(self, job: _Purge) -> int:
        matcher, started, entries = job.matcher, job.started, self._entries
        try:
            while not matcher.compile(PURGE_SLICE):
                await asyncio.sleep(0)
            matches, paths = matcher.matches, entries.paths
            every = 1 if matcher.general else _CHECK_EVERY  # a general pattern can cost ~1 ms a path
            deadline = time.perf_counter() + PURGE_SLICE
            for index, key in enumerate(list(paths)):
                if index % every == 0 and time.perf_counter() > deadline:
                    await asyncio.sleep(0)
                    deadline = time.perf_counter() + PURGE_SLICE
                path = paths.get(key)  # None: gone meanwhile
                if path is not None and matches(path) and _peek(entries, key).stored_at <= started:
                    del entries[key]
                    job.removed += 1
        finally:
            self._purging.remove(job)
            self._remember(job)
        return job.removed

    def _purged(self, key: str, entry: CachedResponse) -> bool:
        """Is this entry covered by an invalidation still being applied? (It is removed when
        that is certain; while a pattern's regex is still being compiled, it is only skipped.)"""
        path = self._entries.paths.get(key)
        if path is None:
            return False
        for job in self._purging:
            if entry.stored_at <= job.started:
                found = job.matcher.matches(path)
                if found:
                    del self._entries[key]
                    job.removed += 1
                    return True
                if found is None:
                    return True
        return False

    async def purged(self) -> None:
        """Wait for every purge in progress (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def clear(self) -> None:
        """Drop every entry: an invalidation of everything, answers asked for before it included."""
        self._entries.clear()
        self._recent.clear()
        self._latest_purge = self._forgotten_before = self.clock()

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
