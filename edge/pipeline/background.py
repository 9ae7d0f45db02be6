"""Revalidation in the background (RFC 5861 `stale-while-revalidate`, which CloudFront honours):
an expired entry still inside the window the origin allowed is served at once, and one fetch
per key refreshes it behind the viewer's back, so nobody waits for the origin when an object
expires.

The fetch is the request's own upstream leg (origin-request, origin, origin-response, cache
store), run in a task with its own request id and trace; it shares the coalescer with misses,
so a key has at most one fetch in flight whoever started it. It carries no `Range` or
`If-Range` of the viewer that triggered it (it refreshes the whole object). A bounded number
run at once (`MAX_RUNNING`): past it the stale entry is still served and a later request
starts the refresh. A failed refresh is logged and leaves the entry as it was.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from . import events
from .context import RequestContext
from .trace import Trace

MAX_RUNNING = 64
_VIEWER_ONLY = frozenset({"range", "if-range"})

log = logging.getLogger("edge.pipeline")


class BackgroundRevalidations:
    """The refresh tasks of one pipeline, at most one per key and `MAX_RUNNING` in all."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[None]] = {}

    def __len__(self) -> int:
        return len(self._running)

    def start(self, key: str, ctx: RequestContext, refresh: Callable[[RequestContext], Awaitable[object]]) -> bool:
        """Begin refreshing `key` unless it is already being refreshed or too many are; True if begun."""
        if key in self._running or len(self._running) >= MAX_RUNNING:
            return False
        background = replace(
            ctx,
            trace=Trace(request_id=events.new_request_id(), started=time.perf_counter(), behavior=ctx.trace.behavior,
                        cache="revalidate"),
            headers=[(k, v) for k, v in ctx.headers if k.lower() not in _VIEWER_ONLY],
        )
        task = asyncio.get_running_loop().create_task(self._run(key, background, refresh))
        self._running[key] = task
        return True

    async def _run(self, key: str, ctx: RequestContext,
                   refresh: Callable[[RequestContext], Awaitable[object]]) -> None:
        try:
            await refresh(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:  # a refresh that fails leaves the entry as it was
            log.exception("background revalidation of %s (request %s) failed", ctx.uri, ctx.trace.request_id)
        finally:
            self._running.pop(key, None)

    def cancel(self) -> None:
        """Stop every refresh (the pipeline is going away)."""
        for task in list(self._running.values()):
            task.cancel()
        self._running.clear()
