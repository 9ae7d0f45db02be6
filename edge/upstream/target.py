"""The request target an origin receives: ASCII, whatever the viewer sent.

A viewer may send raw bytes above 0x7F in its query string (RFC 9112 allows only ASCII in a
request target, but servers pass such bytes on). The event shows them as ISO-8859-1
characters, as CloudFront does; on the way to the origin each such byte is percent-encoded, so
every origin (and httpx, which refuses anything but ASCII) gets a target it can parse, and one
that decodes to the bytes the viewer sent. A function's own non-ASCII text never reaches here:
request validation percent-encodes it as UTF-8 (pipeline/request_validation.py).
"""

from __future__ import annotations

import re

_HIGH = re.compile(rb"[\x80-\xff]")


def _escape(match: re.Match[bytes]) -> bytes:
    return b"%%%02X" % match.group()[0]


def _as_bytes(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:  # never from validated requests; UTF-8 rather than a crash if one does
        return text.encode("utf-8", "surrogatepass")


def target_bytes(path: str, querystring: str) -> bytes:
    """`path` and `querystring` (str of bytes as ISO-8859-1 characters) as the request target's bytes."""
    raw = path.encode("ascii") if path.isascii() else _as_bytes(path)
    if querystring:
        raw += b"?" + (querystring.encode("ascii") if querystring.isascii() else _as_bytes(querystring))
    if not raw.isascii():
        raw = _HIGH.sub(_escape, raw)
    return raw
