"""Response headers as they go on the wire (ASGI: lowercase Latin-1 bytes), encoded once.

A response served many times unchanged — a cached entry, a function's repeated generated
response — keeps its headers encoded with their true `Content-Length` (`Prepared`); each
request then only appends what is its own (`Age`, `X-Cache`, `Via`, `X-Amz-Cf-Id`, `Date`
when the response has none, `Server-Timing`) instead of filtering, rebuilding and encoding
the whole list again.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

Wire = list[tuple[bytes, bytes]]

# The edge sets these itself on every response (and frames bodies itself).
OWN_HEADERS = frozenset({"x-cache", "via", "x-amz-cf-id", "transfer-encoding"})
# A response without a Server header (generated, an origin that sent none, a function that
# removed it) gets the edge's, as CloudFront sends `Server: CloudFront`: never the name of the
# HTTP server underneath (Granian adds its own to a response that has none).
SERVER = ("Server", "edge")
SERVER_WIRE = (b"server", b"edge")

_NAMES: dict[str, bytes] = {}


def name(key: str) -> bytes:
    """A header name as ASGI sends it (lowercase Latin-1), cached."""
    raw = _NAMES.get(key)
    if raw is None:
        raw = key.lower().encode("latin-1")
        if len(_NAMES) < 4096:
            _NAMES[key] = raw
    return raw


@functools.lru_cache(maxsize=4096)
def default_key(name: str) -> str:
    """A header name in its canonical case, each hyphen-separated part capitalised: the key
    CloudFront fills in when a function omits it, and the case given to names that arrive
    lowercase (an HTTP/2 origin's, an ASGI server's)."""
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def encode(headers: list[tuple[str, str]]) -> Wire:
    return [(name(k), v.encode("latin-1")) for k, v in headers]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A response's own headers, encoded, with its framing: what every serving of it shares.
    A tuple of byte pairs, so the garbage collector stops tracking them (cache/entry.py)."""

    headers: tuple[tuple[bytes, bytes], ...]
    has_date: bool

    @classmethod
    def of(cls, status: int, headers: list[tuple[str, str]], body_length: int) -> "Prepared":
        out: Wire = []
        has_date = has_server = False
        for key, value in headers:
            lower = key.lower()
            if lower in OWN_HEADERS or lower in ("content-length", "age"):
                continue
            has_date = has_date or lower == "date"
            has_server = has_server or lower == "server"
            out.append((name(key), value.encode("latin-1")))
        if not has_server:
            out.append(SERVER_WIRE)
        if status not in (204, 304):
            out.append((b"content-length", str(body_length).encode("latin-1")))
        return cls(tuple(out), has_date)
