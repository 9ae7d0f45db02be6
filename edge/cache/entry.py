"""One stored response and the questions asked of it: how old, still fresh, how big."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..pipeline.wire import Prepared
from ..upstream.response import OriginResponse
from .headers import HOP_BY_HOP, Headers, cache_control, delta_seconds, first_header
from .vary import Vary

# Bookkeeping per entry counted against the byte bound, so many tiny entries can't grow unbounded.
ENTRY_OVERHEAD = 64


@dataclass(slots=True)
class CachedResponse:
    """A buffered response with the time it was stored and how long it stays fresh.

    `stored_at` and `ttl` share the cache's clock (wall-clock seconds by default). A full
    cache holds ~100,000 of these, and CPython's full collections visit every container
    object: each was five (the instance, its `__dict__`, two header lists, the encoded
    headers) and a collection paused the server for 50-140 ms. Now the headers are tuples
    of strings, which the collector stops tracking, and the instance has no `__dict__`: one
    tracked object per entry (bench/README.md, finding 17).

    `vary` is None unless the response had a Vary that matters here: then the request's
    values of the headers it names, as a tuple of string pairs (edge/cache/vary.py).
    """

    status: int
    reason: str
    headers: Headers
    body: bytes
    stored_at: float
    ttl: float
    vary: Vary | None = None
    _size: int = field(init=False, repr=False, compare=False, default=0)
    _wire: tuple[tuple[bytes, bytes], ...] | None = field(init=False, repr=False, compare=False, default=None)
    _has_date: bool = field(init=False, repr=False, compare=False, default=False)

    def __post_init__(self) -> None:
        self.headers = tuple(tuple(pair) for pair in self.headers)  # type: ignore[assignment]
        self._size = (
            len(self.body) + sum(len(k) + len(v) + 4 for k, v in self.headers) + ENTRY_OVERHEAD
        )
        if self.vary is not None:
            self._size += sum(len(k) + len(v or "") + 4 for k, v in self.vary)

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
        """Its headers encoded for the wire, once (entries are never modified once stored);
        the small wrapper is made per serving, so nothing but untracked tuples is kept."""
        if self._wire is None:
            prepared = Prepared.of(self.status, self.headers, len(self.body))  # type: ignore[arg-type]
            self._wire, self._has_date = prepared.headers, prepared.has_date
            return prepared
        return Prepared(self._wire, self._has_date)

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

    def revalidates_in_background(self, now: float) -> bool:
        """Expired, but within the `stale-while-revalidate` seconds the origin allowed (RFC 5861):
        served as it is while a fetch refreshes it."""
        directives = cache_control(self.headers)
        if "stale-while-revalidate" not in directives:
            return False
        window = delta_seconds(directives["stale-while-revalidate"])
        return window is not None and now - self.stored_at - self.ttl < window

    def age(self, now: float) -> float:
        """Seconds since stored (the `Age` header value on a hit)."""
        return max(0.0, now - self.stored_at)

    def fresh(self, now: float) -> bool:
        return self.age(now) < self.ttl
