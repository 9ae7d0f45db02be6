"""One stored response and the questions asked of it: how old, still fresh, how big."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..pipeline.wire import Prepared
from ..upstream.response import OriginResponse
from .headers import HOP_BY_HOP, Headers, cache_control, delta_seconds, first_header

# Bookkeeping per entry counted against the byte bound, so many tiny entries can't grow unbounded.
ENTRY_OVERHEAD = 64


@dataclass
class CachedResponse:
    """A buffered response with the time it was stored and how long it stays fresh.

    `stored_at` and `ttl` share the cache's clock (wall-clock seconds by default).
    """

    status: int
    reason: str
    headers: Headers
    body: bytes
    stored_at: float
    ttl: float
    _size: int = field(init=False, repr=False, compare=False, default=0)
    _prepared: Prepared | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        self._size = (
            len(self.body) + sum(len(k) + len(v) + 4 for k, v in self.headers) + ENTRY_OVERHEAD
        )

    @classmethod
    def from_origin(
        cls, response: OriginResponse, body: bytes, *, ttl: float, now: float
    ) -> "CachedResponse":
        """Store an origin answer; hop-by-hop headers describe one connection, so they are dropped."""
        headers = [(k, v) for k, v in response.headers if k.lower() not in HOP_BY_HOP]
        return cls(response.status, response.reason, headers, body, stored_at=now, ttl=ttl)

    def to_response(self) -> OriginResponse:
        """A fresh OriginResponse (own header list) for the rest of the pipeline to adjust."""
        return OriginResponse(self.status, list(self.headers), self.body, reason=self.reason)

    def prepared(self) -> Prepared:
        """Its headers encoded for the wire, once (entries are never modified once stored)."""
        if self._prepared is None:
            self._prepared = Prepared.of(self.status, self.headers, len(self.body))
        return self._prepared

    @property
    def size(self) -> int:
        """Bytes charged against the cache bound: body, headers and a fixed overhead."""
        return self._size

    @property
    def etag(self) -> str | None:
        return first_header(self.headers, "etag")

    @property
    def last_modified(self) -> str | None:
        return first_header(self.headers, "last-modified")

    @property
    def stale_if_error(self) -> int | None:
        """Seconds past expiry the origin allows serving this on error (RFC 5861), if it said."""
        directives = cache_control(self.headers)
        if "stale-if-error" not in directives:
            return None
        return delta_seconds(directives["stale-if-error"])

    def age(self, now: float) -> float:
        """Seconds since stored (the `Age` header value on a hit)."""
        return max(0.0, now - self.stored_at)

    def fresh(self, now: float) -> bool:
        return self.age(now) < self.ttl
