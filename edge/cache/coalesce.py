"""Request coalescing: concurrent misses for one key share a single origin fetch.

The fetch runs in its own task, so a caller that gives up (cancelled, client gone) does not take
the fetch away from callers still waiting; the fetch is cancelled only once nobody waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Flight(Generic[T]):
    task: asyncio.Future[T]
    waiters: int = 0


class Coalescer:
    """Runs at most one factory per key at a time; everyone asking meanwhile gets its outcome."""

    def __init__(self) -> None:
        self._flights: dict[str, _Flight[Any]] = {}

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
