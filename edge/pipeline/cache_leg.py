"""The cache's part of a request: lookup, stale-while-revalidate, and misses for one key
coalesced into one fetch (edge/cache/coalesce.py), with what each waiting request gets when
that fetch cannot be shared: the origin's failure as its own, its own expired copy, or a
fetch of its own.

`Pipeline` (flow.py) takes these steps as a base class, above the upstream leg (origin_leg.py).
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

from ..cache import CachedResponse, xcache
from ..cache.vary import Vary, vary_matches
from ..upstream.http import OriginError
from .context import RequestContext
from .origin_leg import OriginLeg
from .response import EdgeResponse
from .served import from_entry
from .storage import may_serve_stale

# What a fetch leaves the requests coalesced behind it (CacheLeg._lead)
STALE = "stale"  # the leader served its expired copy (the origin failed): each follower serves its own
Landed = tuple[EdgeResponse, Vary | None] | OriginError | str | None
# While a fetch others may wait for runs: the origin's failures its answer was made of (_origin_failed)
_FAILURES: ContextVar[list[OriginError] | None] = ContextVar("coalesced_failures", default=None)


class CacheLeg(OriginLeg):
    """The cache steps of `Pipeline` (see the module docstring)."""

    async def _from_cache_or_origin(self, ctx: RequestContext) -> EdgeResponse:
        key = ctx.key
        if key is None:
            ctx.trace.cache = "none"
            return await self._origin_flow(ctx, None)
        entry = self.cache.get(key, ctx.headers)
        now = self.cache.clock()
        if entry is not None and entry.fresh(now):
            ctx.trace.cache = "hit"
            return from_entry(entry, xcache.HIT, now)
        if entry is not None and ctx.viewer.method == "GET" and entry.revalidates_in_background(now):
            # stale-while-revalidate: this viewer gets the entry now, one fetch refreshes it (background.py)
            self.revalidations.start(key, ctx, self._refresh)
            ctx.trace.cache = "stale"
            return from_entry(entry, xcache.HIT, now)
        if ctx.viewer.method == "HEAD":
            # a HEAD miss is fetched on its own and not stored (it has no body for GETs)
            ctx.trace.cache = "miss"
            return await self._origin_flow(ctx, entry, store=False)

        if self.coalescer.passes(key):  # its last answer was not to share: nobody queues (coalesce.py)
            return (await self._lead(ctx, entry))[0]
        mine: list[EdgeResponse] = []
        gone: list[bool] = []  # this viewer left while its fetch went on for others

        async def lead() -> Landed:
            response, landed = await self._lead(ctx, entry)
            if gone:  # nobody reads its answer: a streamed body would hold its origin connection
                await response.aclose()
            else:
                mine.append(response)
            return landed

        try:
            landed = await self.coalescer.run(key, lead)
        except asyncio.CancelledError:
            gone.append(True)
            for response in mine:  # landed as this viewer left
                asyncio.ensure_future(response.aclose())
            raise
        if mine:
            return mine[0]
        if isinstance(landed, OriginError):  # the origin failed the fetch this one waited for: its own failure
            return super()._origin_failed(ctx, landed, entry)
        if landed == STALE:  # the origin answered 5xx and the leader served stale: its own copy, its own Vary
            own = self.cache.get(key, ctx.headers, count=False)  # its miss is counted already
            now = self.cache.clock()
            if own is not None and may_serve_stale(own, now):
                ctx.trace.cache = "stale"
                return from_entry(own, xcache.HIT, now)
            landed = None
        if landed is not None:
            shared, vary = landed
            if vary is None or vary_matches(vary, ctx.headers):
                ctx.trace.cache = "coalesced"
                return EdgeResponse(
                    status=shared.status, headers=list(shared.headers), body=shared.body,
                    x_cache=xcache.HIT, reason=shared.reason, age=0, cacheable=True,
                )
        ctx.trace.cache = "miss"
        # the leader's answer was private, or for other values of the headers its Vary names
        return await self._origin_flow(ctx, self.cache.get(key, ctx.headers))

    async def _lead(self, ctx: RequestContext, stale: CachedResponse | None) -> tuple[EdgeResponse, Landed]:
        """The upstream leg of a fetch others may wait for, and what it leaves them: the answer to
        share (with what its Vary remembers); the origin's failure, for each to answer as its
        own (or with its stale copy) rather than fail the origin again; or None: not theirs to
        see, so each fetches for itself and the key skips coalescing for a while."""
        failures: list[OriginError] = []
        token = _FAILURES.set(failures)
        try:
            response = await self._origin_flow(ctx, stale)
        finally:
            _FAILURES.reset(token)
        if failures:
            return response, failures[-1]
        if ctx.trace.cache == "stale":  # an expired copy, not an answer: theirs may differ (Vary, Age)
            return response, STALE
        self.coalescer.answered(ctx.key, shareable=response.cacheable)  # type: ignore[arg-type]
        return response, ((response, ctx.vary) if response.cacheable else None)

    def _origin_failed(self, ctx: RequestContext, exc: OriginError, stale: CachedResponse | None) -> EdgeResponse:
        """OriginLeg's, noting the failure for the requests waiting on this fetch (_lead)."""
        failures = _FAILURES.get()
        if failures is not None:
            failures.append(exc)
        return super()._origin_failed(ctx, exc, stale)

    async def _refresh(self, ctx: RequestContext) -> None:
        """A background revalidation: the upstream leg for the entry as it is now, shared with
        any miss for the same key."""
        key = ctx.key
        assert key is not None

        async def lead() -> Landed:
            response, landed = await self._lead(ctx, self.cache.get(key, ctx.headers))
            await response.aclose()  # nobody reads a streamed (uncached) answer
            return landed

        await self.coalescer.run(key, lead)
