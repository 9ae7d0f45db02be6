"""How long an origin response may be cached: CloudFront's TTL rules.

Status handling (CloudFront docs, `Expiration.html`, `HTTPStatusCodes.html`,
`http-3xx-status-codes.html`, `custom-error-pages-expiration.html`):

* 200, 203, 204, 300, 301, 302, 303, 410 follow the header rules below, so a 302 without
  headers is cached for the Default TTL, as CloudFront does.
* 307, 308 follow the header rules only when the origin sent a Cache-Control field.
* 404, 414, 500, 501, 502, 503, 504 are always cached: for `error_ttl`, or for the larger of
  `error_ttl` and the header lifetime (max-age / s-maxage / Expires, capped by Max TTL) when the
  origin sent one. Other directives leave it at `error_ttl`, except that a 404, 410, 414 or 501
  with no-store, no-cache or private is not cached (CloudFront's rule: for the other codes it
  ignores them, so a 5xx page is cached even when marked private).
* 400, 403, 405, 412, 415 are cached only if the origin sent max-age or s-maxage, then as above.
* Everything else is not cached: 1xx, 201/202/205, 304 (handled by `refreshed`), 416 (CloudFront
  never caches it), other 4xx/5xx, and 206 — this cache stores whole representations under a
  key without Range, so a partial body must never be stored in it (a deliberate departure).

Header rules for cacheable statuses (Min/Max are the policy's):

* no-cache / no-store / private: not cached when Min is 0, else cached for Min.
* s-maxage, else max-age, else Expires (minus Date, or minus `now` without a valid Date), less
  the origin's `Age` (an answer that was already in another cache): clamped to [Min, Max], so
  the Min TTL and the error TTL still hold for an answer that arrives old. A malformed max-age counts as 0 and a malformed Expires as already
  expired (RFC 9111, sections 4.2.1 and 5.3).
* none of those: max(Min, Default).
"""

from __future__ import annotations

from .headers import Headers, cache_control, delta_seconds, first_header, parse_http_date
from ..config.cache_policy import CachePolicy

NORMAL = frozenset({200, 203, 204, 300, 301, 302, 303, 410})
NEED_CACHE_CONTROL = frozenset({307, 308})
ALWAYS_CACHED_ERRORS = frozenset({404, 414, 500, 501, 502, 503, 504})
ERRORS_THAT_HONOUR_NO_STORE = frozenset({404, 410, 414, 501})
ERRORS_IF_MAX_AGE = frozenset({400, 403, 405, 412, 415})

NOT_STORED = ("no-cache", "no-store", "private")


def _age_directive(directives: dict[str, str | None]) -> int | None:
    """s-maxage if present, else max-age; a present but malformed value means 0 (stale)."""
    for name in ("s-maxage", "max-age"):
        if name in directives:
            seconds = delta_seconds(directives[name])
            return 0 if seconds is None else seconds
    return None


def _explicit_lifetime(
    directives: dict[str, str | None], headers: Headers, now: float
) -> float | None:
    """What is left of the origin's freshness lifetime in seconds (less the `Age` it sent: an
    answer already that old in another cache, RFC 9111, section 4.2.3), or None when it gave none."""
    seconds = _age_directive(directives)
    if seconds is not None:
        return float(seconds) - received_age(headers)
    expires_field = first_header(headers, "expires")
    if expires_field is None:
        return None
    expires = parse_http_date(expires_field)
    if expires is None:
        return 0.0
    date = parse_http_date(first_header(headers, "date"))
    return expires - (date if date is not None else now) - received_age(headers)


def received_age(headers: Headers) -> float:
    """The origin's `Age`, in seconds (0 when absent or not a number)."""
    return float(delta_seconds(first_header(headers, "age")) or 0)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(value, high))


def _error_ttl(policy: CachePolicy, lifetime: float | None) -> float:
    if lifetime is None:
        return float(policy.error_ttl)
    return max(min(max(lifetime, 0.0), float(policy.max_ttl)), float(policy.error_ttl))


def ttl_for(policy: CachePolicy, status: int, headers: Headers, now: float) -> float:
    """Seconds to cache an origin response (0 = do not cache).

    `now` is wall-clock epoch seconds; it only matters for `Expires` without a usable `Date`.
    """
    directives = cache_control(headers)
    if status in ERRORS_THAT_HONOUR_NO_STORE and any(name in directives for name in NOT_STORED):
        return 0.0
    if status in ALWAYS_CACHED_ERRORS:
        return _error_ttl(policy, _explicit_lifetime(directives, headers, now))
    if status in ERRORS_IF_MAX_AGE:
        if _age_directive(directives) is None:
            return 0.0
        return _error_ttl(policy, _explicit_lifetime(directives, headers, now))
    if status in NEED_CACHE_CONTROL:
        if first_header(headers, "cache-control") is None:
            return 0.0
    elif status not in NORMAL:
        return 0.0
    if any(name in directives for name in NOT_STORED):
        return float(policy.min_ttl)
    lifetime = _explicit_lifetime(directives, headers, now)
    if lifetime is None:
        return float(min(max(policy.min_ttl, policy.default_ttl), policy.max_ttl))
    return _clamp(lifetime, float(policy.min_ttl), float(policy.max_ttl))
