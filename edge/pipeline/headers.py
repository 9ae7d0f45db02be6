"""Lambda@Edge's header shape and the header lists CloudFront restricts.

CloudFront hands functions headers as ``{"lowercase-name": [{"key": "Original-Case", "value": v}, ...]}``
so that lookups are case-insensitive while the wire case survives a round trip.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sized

from ..wire import default_key as default_key  # at home in edge/wire.py (the origin clients use it too)

CfHeaders = dict[str, list[dict[str, str]]]

# "Disallowed" headers: CloudFront never shows these to functions and rejects results that add them.
DISALLOWED: frozenset[str] = frozenset(
    {
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "trailer",
        "upgrade",
        "x-accel-buffering",
        "x-accel-charset",
        "x-accel-limit-rate",
        "x-accel-redirect",
        "x-amzn-auth",
        "x-amzn-cf-billing",
        "x-amzn-cf-id",
        "x-amzn-cf-xff",
        "x-amzn-errortype",
        "x-amzn-fle-profile",
        "x-amzn-header-count",
        "x-amzn-header-order",
        "x-amzn-lambda-integration-tag",
        "x-amzn-requestid",
        "x-cache",
        "x-forwarded-proto",
        "x-real-ip",
    }
)

# The request line and headers CloudFront accepts from a viewer, in bytes (beyond: 494, as
# CloudFront answers). A request a viewer-request or origin-request function returns is held to
# it as well (beyond: 502, as CloudFront), and so are the customHeaders an origin-request
# function gives the origin, so what the edge sends upstream stays what origins accept.
MAX_REQUEST_HEAD = 20480


def request_line_bytes(method: Sized, path: Sized, query: Sized) -> int:
    """``GET /a?b HTTP/1.1\\r\\n`` in bytes: what a request line counts toward MAX_REQUEST_HEAD
    (str or bytes: the front door counts the viewer's, validation a function's)."""
    return len(method) + len(path) + (len(query) + 1 if query else 0) + 12  # " ", " HTTP/1.1", CRLF

# `X-Amz-Cf-*` and `X-Edge-*` are families, not single names.
DISALLOWED_PREFIXES: tuple[str, ...] = ("x-amz-cf-", "x-edge-")

# "Read-only" headers per event. Host is deliberately absent from origin-request: AWS's own
# examples rewrite it when switching origins.
READ_ONLY: dict[str, frozenset[str]] = {
    "viewer-request": frozenset({"content-length", "host", "transfer-encoding", "via"}),
    "origin-request": frozenset(
        {
            "accept-encoding",
            "content-length",
            "if-modified-since",
            "if-none-match",
            "if-range",
            "if-unmodified-since",
            "transfer-encoding",
            "via",
        }
    ),
    "origin-response": frozenset({"transfer-encoding", "via"}),
    "viewer-response": frozenset({"warning", "via"}),
}


@functools.lru_cache(maxsize=4096)
def is_disallowed(name: str) -> bool:
    """True for a header CloudFront hides from functions and forbids them to add (any case)."""
    lname = name.lower()
    return lname in DISALLOWED or lname.startswith(DISALLOWED_PREFIXES)


def to_cf_headers(pairs: Iterable[tuple[str, str]]) -> CfHeaders:
    """HTTP header pairs -> Lambda@Edge headers, keeping each name's case and the order of values.

    Repeated names share one array (in arrival order); the map is ordered by first appearance.
    """
    headers: CfHeaders = {}
    for name, value in pairs:
        headers.setdefault(name.lower(), []).append({"key": name, "value": value})
    return headers


def from_cf_headers(headers: CfHeaders) -> list[tuple[str, str]]:
    """Lambda@Edge headers -> HTTP header pairs; a missing ``key`` gets CloudFront's default case.

    Values of one name stay adjacent (the map cannot remember interleaving of different names).
    """
    pairs: list[tuple[str, str]] = []
    for name, entries in headers.items():
        for entry in entries:
            key = entry.get("key") or default_key(name)
            pairs.append((key, entry["value"]))
    return pairs


def without_disallowed(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop the headers CloudFront never exposes to functions (hop-by-hop and CloudFront-internal)."""
    return [(name, value) for name, value in pairs if not is_disallowed(name)]
