"""One stored response and the questions asked of it: how old, still fresh, how big."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..wire import Prepared
from ..upstream.response import OriginResponse
from .headers import HOP_BY_HOP, Headers, cache_control, delta_seconds, first_header
from .vary import Vary

# What an entry costs in memory beyond its bytes of text, counted against the byte bound so that
# the bound holds for many small entries and long keys too (measured with tracemalloc: ~2.6 KB for
# a 2-byte body with seven headers, ~16 KB with a 7 KB URL; bench/README.md, finding 39):
ENTRY_OVERHEAD = 320  # the entry, its body's bytes object, the headers' tuples
HEADER_OVERHEAD = 272  # a header: its pair and two strings, and their encoded copy for the wire
KEY_OVERHEAD = 160  # the key and the path kept beside it (two strings), and the LRU's bookkeeping


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
    _key_bytes: int = field(init=False, repr=False, compare=False, default=0)  # set by the store
    _initial_age: float = field(init=False, repr=False, compare=False, default=0.0)
    _wire: tuple[tuple[bytes, bytes], ...] | None = field(init=False, repr=False, compare=False, default=None)
    _has_date: bool = field(init=False, repr=False, compare=False, default=False)

    def __post_init__(self) -> None:
        self.headers = tuple(tuple(pair) for pair in self.headers)  # type: ignore[assignment]
        self._size = (  # header text twice: as stored, and encoded for the wire once served
            len(self.body) + sum(2 * (len(k) + len(v)) + HEADER_OVERHEAD for k, v in self.headers) + ENTRY_OVERHEAD
        )
        if self.vary is not None:
            self._size += sum(len(k) + len(v or "") + HEADER_OVERHEAD for k, v in self.vary)
        received = first_header(self.headers, "age")  # already this old when it arrived (RFC 9111, 4.2.3)
        if received is not None:
            self._initial_age = float(delta_seconds(received) or 0)

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
        """Bytes charged against the cache bound: body, headers, key and what holds them."""
        return self._size + self._key_bytes

    def charge_key(self, key: str, path: str) -> None:
        """Count the key it is stored under, and the path kept beside it, in its size."""
        self._key_bytes = len(key) + (len(path) if path is not key else 0) + KEY_OVERHEAD

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
        """The `Age` header value on a hit: seconds since stored, plus the origin's `Age` when it
        sent one (an answer that was already in another cache; ttl_for took it off the TTL)."""
        return max(0.0, now - self.stored_at) + self._initial_age

    def fresh(self, now: float) -> bool:
        return now - self.stored_at < self.ttl
