"""The request target as the whole pipeline sees it: one normalised path.

Behaviors, the cache key, the event's `uri` and the origin request must all agree on the
path, or `/%70rivate/` slips past a behavior written for `/private/*` while the origin
serves `/private/`. So the front door normalises once (RFC 3986, section 6.2.2): percent-encoded
unreserved characters are decoded and the remaining escapes upper-cased, then `.` and `..`
segments are removed (section 5.2.4; CloudFront does the same before it matches behaviors and
sends the normalised path to the origin), so `/public/../private/x` and
`/public/%2e%2e/private/x` are `/private/x` for the behaviors, the cache and the origin alike;
a target that is not an origin-form path is refused.
"""

from __future__ import annotations

import re

MAX_URI = 8192  # CloudFront: URL at most 8,192 bytes

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
# Printable ASCII without space, '#' or '?' (the query is split off before this).
_ALLOWED = re.compile(rb"[!$%&'()*+,\-./0-9:;=@A-Z\[\]_a-z~]*\Z")


class BadTarget(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _unescape(match: re.Match[bytes]) -> bytes:
    value = int(match.group(1), 16)
    return bytes([value]) if value in _UNRESERVED else b"%" + match.group(1).upper()


# Recent short paths and their normal form: most requests repeat a path seen moments ago.
_NORMALIZED: dict[bytes, str] = {}
NORMALIZED_MEMO = 4096  # entries; cleared when full
NORMALIZED_MAX = 512  # bytes: longer paths are normalised every time


def normalize_path(raw: bytes) -> str:
    """The normalised path of a raw request target's path part (no query)."""
    known = _NORMALIZED.get(raw)
    if known is not None:
        return known
    path = _normalize(raw)
    if len(raw) <= NORMALIZED_MAX:
        if len(_NORMALIZED) >= NORMALIZED_MEMO:
            _NORMALIZED.clear()
        _NORMALIZED[raw] = path
    return path


def _normalize(raw: bytes) -> str:
    if len(raw) > MAX_URI:
        raise BadTarget(414, f"the URL is longer than {MAX_URI} bytes")
    if not raw.startswith(b"/"):
        raise BadTarget(400, "the request target must be a path starting with '/'")
    if not _ALLOWED.match(raw):
        raise BadTarget(400, "the request path has characters that must be percent-encoded")
    if b"%" in raw:
        if b"%" in _ESCAPE.sub(b"", raw):
            raise BadTarget(400, "the request path has a malformed percent-escape")
        raw = _ESCAPE.sub(_unescape, raw)
    if b"/." in raw:
        raw = remove_dot_segments(raw)
    return raw.decode("ascii")


def remove_dot_segments(path: bytes) -> bytes:
    """RFC 3986's remove_dot_segments for an absolute path: `.` segments go, `..` removes the
    segment before it (never above the root). A trailing `.` or `..` leaves a trailing slash."""
    out: list[bytes] = []
    segments = path.split(b"/")[1:]
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == b".":
            if last:
                out.append(b"")
        elif segment == b"..":
            if out:
                out.pop()
            if last:
                out.append(b"")
        else:
            out.append(segment)
    return b"/" + b"/".join(out)
