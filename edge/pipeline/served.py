"""Responses made from a function's result or a cache entry, with their framing headers."""

from __future__ import annotations

from typing import Any

from ..cache import CachedResponse, xcache
from .headers import from_cf_headers
from .response import EdgeResponse
from ..wire import Prepared

# A function that answers with the same bytes again gets the same validated dict from its
# memo (hooks.py); its headers are then converted and encoded once, not on every request.
_GENERATED: dict[int, tuple[dict[str, Any], list[tuple[str, str]], bytes, Prepared]] = {}
GENERATED_MEMO = 1024


def generated(validated: dict[str, Any]) -> EdgeResponse:
    known = _GENERATED.get(id(validated))
    if known is not None and known[0] is validated:
        _, headers, body, prepared = known
    else:
        body = validated["body"] or b""
        headers = from_cf_headers(validated["headers"])
        if validated["status"] not in (204, 304):
            headers = set_length(headers, len(body))
        prepared = Prepared.of(validated["status"], headers, len(body))
        if len(_GENERATED) >= GENERATED_MEMO:
            _GENERATED.clear()
        _GENERATED[id(validated)] = (validated, headers, body, prepared)
    return EdgeResponse(
        status=validated["status"], headers=headers, body=body,
        x_cache=xcache.LAMBDA_GENERATED, reason=validated["statusDescription"], prepared=prepared,
    )


def from_entry(entry: CachedResponse, x_cache: str, now: float) -> EdgeResponse:
    """A cached response, served as stored (its encoded headers are reused; a viewer-response
    function gets a copy of them to change)."""
    if entry.status >= 400:
        x_cache = xcache.ERROR  # CloudFront labels a cached error response as an error too
    return EdgeResponse(
        status=entry.status, headers=entry.headers, body=entry.body, x_cache=x_cache,
        reason=entry.reason, age=int(entry.age(now)), cacheable=True, prepared=entry.prepared(),
    )


def set_length(headers: list[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    out = [(k, v) for k, v in headers if k.lower() not in ("content-length", "transfer-encoding")]
    out.append(("Content-Length", str(length)))
    return out
