"""Revalidating an expired entry: the conditional request, and folding a 304 into the entry."""

from __future__ import annotations

from dataclasses import replace

from ..upstream.response import OriginResponse
from .entry import CachedResponse
from .headers import HOP_BY_HOP, Headers
from ..config.cache_policy import CachePolicy
from .ttl import ttl_for

# Fields a 304 must not overwrite (RFC 9111, section 3.2): connection-specific ones, and those describing
# the stored body's bytes, which the 304 did not resend.
_NOT_UPDATED = HOP_BY_HOP | {"content-length", "content-encoding", "content-range"}


def revalidation_headers(entry: CachedResponse) -> Headers:
    """Conditional-request headers for an expired entry; empty when it has no validators.

    Both are sent when both exist: the origin gives If-None-Match precedence (RFC 9110, section 13.2.2).
    """
    headers: Headers = []
    if entry.etag is not None:
        headers.append(("If-None-Match", entry.etag))
    if entry.last_modified is not None:
        headers.append(("If-Modified-Since", entry.last_modified))
    return headers


def merge_headers(stored: Headers, update: Headers) -> Headers:
    """Stored headers with every field the update carries replaced by the update's values."""
    replaced = {k.lower() for k, _ in update if k.lower() not in _NOT_UPDATED}
    kept = [(k, v) for k, v in stored if k.lower() not in replaced]
    return kept + [(k, v) for k, v in update if k.lower() in replaced]


def refreshed(
    entry: CachedResponse, not_modified: OriginResponse, policy: CachePolicy, now: float
) -> CachedResponse:
    """The entry after the origin answered 304: merged headers, restarted clock, new TTL.

    `now` is both the new `stored_at` and the reference for `Expires`, so it must be on the
    cache's clock, which is wall-clock time by default.
    """
    if not_modified.status != 304:
        raise ValueError(f"refreshed() needs a 304 response, got {not_modified.status}")
    # the stored answer's `Age` said how old it was then: the 304's own (if any) says it now (RFC 9111, 4.3.4)
    headers = merge_headers([(k, v) for k, v in entry.headers if k.lower() != "age"], not_modified.headers)
    ttl = ttl_for(policy, entry.status, headers, now)
    return replace(entry, headers=headers, stored_at=now, ttl=ttl)
