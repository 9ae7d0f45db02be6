"""Range requests answered from the cache (RFC 9110, section 14): a viewer asking for part
of an object the edge holds whole gets `206 Partial Content` with those bytes, as CloudFront
serves a range from its cache (a video player's probes and a resumed download no longer
fetch the whole object again).

Only for GET answers served from the cache (`Hit`, `RefreshHit`) with status 200 and the
body in hand, after viewer-response ran and after conditional requests (a 304 comes first).
CloudFront's own rules for a `Range` it does not honour apply: a unit other than `bytes`, a
malformed or negative range, ranges out of ascending order or overlapping each other get the
whole object (200), and an `If-Range` that does not match the cached validator too. A
range that starts past the end is left out; when none is left, `416 Range Not Satisfiable`
with `Content-Range: bytes */length`. Several ranges are one `multipart/byteranges` body.
A miss passes `Range` to the origin: its 206 reaches the viewer and is never stored, its
200 is stored whole and answers later ranges from here.
"""

from __future__ import annotations

import os
from email.utils import parsedate_to_datetime

from .response import EdgeResponse
from .served import set_length

MAX_RANGES = 100  # more parts than this is not a media player or a download manager: the whole object
_NOT_COPIED = frozenset({"content-length", "content-range", "transfer-encoding"})


def partial(request_headers: list[tuple[str, str]], response: EdgeResponse) -> EdgeResponse | None:
    """The 206 (or 416) for `response` if the viewer asked for a range it should get, else None."""
    body = response.body
    if body is None or response.stream is not None:
        return None
    spec = if_range = None
    for key, value in request_headers:
        lower = key.lower()
        if lower == "range":
            if spec is not None:
                return None  # two Range fields: not a range request anyone can answer in part
            spec = value
        elif lower == "if-range":
            if_range = value
    if spec is None:
        return None
    if if_range is not None and not _validator_matches(if_range, response):
        return None
    wanted = parse(spec, len(body))
    if wanted is None:
        return None
    if not wanted:
        return _unsatisfiable(response, len(body))
    if len(wanted) == 1:
        first, last = wanted[0]
        headers = set_length([(k, v) for k, v in response.headers if k.lower() not in _NOT_COPIED], last - first + 1)
        headers.append(("Content-Range", f"bytes {first}-{last}/{len(body)}"))
        return _answer(response, 206, "Partial Content", headers, body[first:last + 1])
    return _multipart(response, wanted, body)


def parse(spec: str, length: int) -> list[tuple[int, int]] | None:
    """The satisfiable byte ranges of a `Range` value as (first, last) offsets, in order;
    None when the value is one CloudFront answers with the whole object."""
    unit, sep, ranges = spec.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    parts = [p.strip() for p in ranges.split(",")]
    parts = [p for p in parts if p]
    if not parts or len(parts) > MAX_RANGES:
        return None
    spans: list[tuple[int, float]] = []  # (first, last) as asked; an open end is infinite
    for part in parts:
        first, dash, last = part.partition("-")
        first, last = first.strip(), last.strip()
        if not dash or not (first or last) or not _digits(first) or not _digits(last):
            return None
        if not first:  # the last n bytes
            if int(last) > 0:
                spans.append((max(0, length - int(last)), length - 1))
            continue  # "-0" asks for nothing: unsatisfiable
        start, end = int(first), (int(last) if last else float("inf"))
        if end < start:
            return None
        spans.append((start, end))
    previous = -1.0
    for first, last in spans:  # CloudFront's requirements: ascending, not overlapping
        if first <= previous:
            return None
        previous = last
    return [(first, int(min(last, length - 1))) for first, last in spans if first < length]


def _digits(text: str) -> bool:
    return not text or (text.isascii() and text.isdigit() and len(text) <= 19)


def _validator_matches(if_range: str, response: EdgeResponse) -> bool:
    """If-Range: a strong entity tag equal to the ETag, or a date equal to Last-Modified."""
    value = if_range.strip()
    if value.startswith(('"', "W/")):
        etag = response.header("etag")
        return not value.startswith("W/") and etag is not None and not etag.strip().startswith("W/") and (
            etag.strip() == value)
    last_modified = response.header("last-modified")
    if last_modified is None:
        return False
    try:
        return parsedate_to_datetime(last_modified) == parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False


def _unsatisfiable(response: EdgeResponse, length: int) -> EdgeResponse:
    headers = [(k, v) for k, v in response.headers
               if k.lower() not in _NOT_COPIED and k.lower() != "content-type"]
    headers = set_length(headers, 0)
    headers.append(("Content-Range", f"bytes */{length}"))
    return _answer(response, 416, "Range Not Satisfiable", headers, b"")


def _multipart(response: EdgeResponse, wanted: list[tuple[int, int]], body: bytes) -> EdgeResponse:
    boundary = os.urandom(12).hex()
    content_type = response.header("content-type")
    chunks: list[bytes] = []
    for first, last in wanted:
        head = f"\r\n--{boundary}\r\n"
        if content_type is not None:
            head += f"Content-Type: {content_type}\r\n"
        head += f"Content-Range: bytes {first}-{last}/{len(body)}\r\n\r\n"
        chunks.append(head.encode("latin-1"))
        chunks.append(body[first:last + 1])
    chunks.append(f"\r\n--{boundary}--\r\n".encode("latin-1"))
    payload = b"".join(chunks)
    headers = [(k, v) for k, v in response.headers if k.lower() not in _NOT_COPIED and k.lower() != "content-type"]
    headers = set_length(headers, len(payload))
    headers.append(("Content-Type", f"multipart/byteranges; boundary={boundary}"))
    return _answer(response, 206, "Partial Content", headers, payload)


def _answer(response: EdgeResponse, status: int, reason: str, headers: list[tuple[str, str]],
            body: bytes) -> EdgeResponse:
    return EdgeResponse(status=status, headers=headers, body=body, x_cache=response.x_cache, reason=reason,
                        age=response.age)
