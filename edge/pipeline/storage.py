"""What the cache may keep for everyone, and serve again when the origin fails."""

from __future__ import annotations

from ..cache import CachedResponse
from ..cache.headers import cache_control
from ..cache.key import cookie_pairs
from ..config.behaviors import Behavior


def shareable(origin_headers: list[tuple[str, str]], response_headers: list[tuple[str, str]], behavior: Behavior) -> bool:
    """May this response be stored for everyone with the same cache key? (RFC 9111, section 3.5.)

    Safe by default: not when the origin got credentials the cache key does not hold
    (`Authorization`, or cookies outside the key) or the response sets a cookie, unless the
    origin marked it shareable (`public`, `s-maxage`; `must-revalidate` also counts for
    `Authorization`)."""
    directives = cache_control(response_headers)
    explicit = "public" in directives or "s-maxage" in directives
    names = {k.lower() for k, _ in origin_headers}
    if "authorization" in names and "authorization" not in behavior.cache.headers and not (
        explicit or "must-revalidate" in directives
    ):
        return False
    if "cookie" in names and not explicit:
        key_cookies = behavior.cache.cookies
        if any(not key_cookies.includes(name) for name, _ in cookie_pairs(origin_headers)):
            return False
    if any(k.lower() == "set-cookie" for k, _ in response_headers) and not explicit:
        return False
    return True


def may_serve_stale(entry: CachedResponse, now: float) -> bool:
    """stale-if-error: serve an expired copy when the origin fails, unless the origin said 0."""
    limit = entry.stale_if_error
    if limit is None:
        return True
    return now - entry.stored_at - entry.ttl <= limit
