"""Request coalescing: concurrent misses for one key share a single origin fetch.

The fetch runs in its own task, so a caller that gives up (cancelled, client gone) does not take
the fetch away from callers still waiting; the fetch is cancelled only once nobody waits for it.

A key whose last answer could not be shared (private, Set-Cookie, no-store, a 403 without
max-age, a function's failure) is remembered for `PASS_SECONDS` (Varnish's hit-for-miss): its
requests go to the origin side by side instead of queueing behind one fetch whose answer they
would not be given, until that long has passed since such an answer or one could be shared
again. The memory is bounded (`MAX_PASSES` keys, the oldest forgotten first).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

PASS_SECONDS = 10.0  # how long a key whose answer could not be shared skips coalescing
MAX_PASSES = 10_000  # keys remembered so at most


@dataclass
class _Flight(Generic[T]):
    task: asyncio.Future[T]
    waiters: int = 0


class Coalescer:
    """Runs at most one factory per key at a time; everyone asking meanwhile gets its outcome."""

    def __init__(self, *, pass_seconds: float = PASS_SECONDS, max_passes: int = MAX_PASSES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._flights: dict[str, _Flight[Any]] = {}
        # key -> until when it is not coalesced; in the order they expire (one duration for all)
        self._passes: dict[str, float] = {}
        self._pass_seconds = pass_seconds
        self._max_passes = max_passes
        self._clock = clock

    def __len__(self) -> int:
        """Keys with a fetch in progress."""
        return len(self._flights)

    def __contains__(self, key: object) -> bool:
        return key in self._flights

    async def run(self, key: str, factory: Callable[[], Awaitable[T]]) -> T:
        """The factory's result (or exception), shared by every concurrent caller for `key`."""
        flight = self._flights.get(key)
        if flight is None or flight.task.done():
            flight = _Flight(asyncio.ensure_future(factory()))
            self._flights[key] = flight
            flight.task.add_done_callback(lambda task, f=flight: self._landed(key, f))
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task)
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                # The last interested caller left: stop the fetch, and let a newcomer start afresh
                # rather than join a fetch that is being cancelled.
                flight.task.cancel()
                if self._flights.get(key) is flight:
                    del self._flights[key]

    def _landed(self, key: str, flight: _Flight[Any]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        # Mark the outcome as seen, even when every waiter left before it arrived.
        if not flight.task.cancelled():
            flight.task.exception()

    # -- hit-for-miss ---------------------------------------------------------------------

    def passes(self, key: str) -> bool:
        """Was `key`'s last answer one that could not be shared, a short while ago? Its request
        then fetches on its own, without waiting for (or making others wait for) a fetch."""
        until = self._passes.get(key)
        if until is None:
            return False
        if until > self._clock():
            return True
        del self._passes[key]
        return False

    def answered(self, key: str, *, shareable: bool) -> None:
        """Remember whether `key`'s answer could be shared: one that could not makes the key
        skip coalescing for a while; one that could ends that at once."""
        self._passes.pop(key, None)
        if shareable:
            return
        now = self._clock()
        passes = self._passes
        while passes and (len(passes) >= self._max_passes or next(iter(passes.values())) <= now):
            del passes[next(iter(passes))]  # expired, or the oldest when full
        passes[key] = now + self._pass_seconds
