"""Conditional requests answered from the cache (RFC 9110, section 13): a viewer revalidating
what it already holds gets `304 Not Modified` instead of the object again, as CloudFront
answers from its cache.

Only for GET and HEAD answers served from the cache (`Hit`, `RefreshHit`) with status 200,
after viewer-response ran: the validators compared are those the viewer would receive.
`If-None-Match` decides when present (weak comparison, `*` matches any tag); otherwise
`If-Modified-Since` against `Last-Modified`. Misses are answered in full: the edge fetched the
whole object to cache it. A `Range` on a hit is ranges.py's, after this.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from ..cache import xcache
from .response import EdgeResponse

FROM_CACHE = frozenset({xcache.HIT, xcache.REFRESH_HIT})
# What a 304 carries of the 200 it stands for (RFC 9110, section 15.4.5), besides the edge's own.
KEPT = frozenset({"cache-control", "content-location", "date", "etag", "expires", "last-modified", "vary"})


def not_modified(request_headers: list[tuple[str, str]], response: EdgeResponse) -> EdgeResponse | None:
    """The 304 for `response` if the viewer's validators say it has it already, else None."""
    if_none_match = if_modified_since = None
    for key, value in request_headers:
        lower = key.lower()
        if lower == "if-none-match":
            if_none_match = value if if_none_match is None else f"{if_none_match}, {value}"
        elif lower == "if-modified-since":
            if_modified_since = value
    if if_none_match is None and if_modified_since is None:
        return None
    etag = response.header("etag")
    if if_none_match is not None:
        if etag is None or not _any_tag_matches(if_none_match, etag):
            return None
    elif not _unmodified_since(response.header("last-modified"), if_modified_since):  # type: ignore[arg-type]
        return None
    return EdgeResponse(
        status=304, headers=[(k, v) for k, v in response.headers if k.lower() in KEPT], body=b"",
        x_cache=response.x_cache, reason="Not Modified", age=response.age,
    )


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def _any_tag_matches(field: str, etag: str) -> bool:
    if field.strip() == "*":
        return True
    mine = _opaque(etag)
    return any(_opaque(tag) == mine for tag in field.split(",") if tag.strip())


def _unmodified_since(last_modified: str | None, since: str) -> bool:
    if last_modified is None:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False  # an unreadable date: answer in full
