"""Status lines: the reason phrase a response may carry on HTTP/1.x.

ASGI has no field for it, so the edge app puts a function's `statusDescription` in the
`http.response.start` message under `reason` (servers ignore keys they do not know).
"""

from __future__ import annotations

import re
from http import HTTPStatus

_PRINTABLE = re.compile(r"[\t\x20-\x7e\x80-\xff]*\Z")

MAX_PHRASE = 256  # longer phrases (a 70 KB statusDescription) make no status line: the standard one instead


def phrase(status: int, reason: str) -> bytes:
    """The bytes for the status line: the given phrase if it can go on the wire, else the standard one."""
    if reason and len(reason) <= MAX_PHRASE and _PRINTABLE.match(reason):
        return reason.encode("latin-1")
    return standard_phrase(status)


def standard_phrase(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode("latin-1")
    except ValueError:
        return b""


_LINES: dict[int, bytes] = {}


def status_line(status: int, reason: str | None) -> bytes:
    """`HTTP/1.1 200 OK\\r\\n`, the standard lines remembered (one dict lookup a response)."""
    if reason:
        return b"HTTP/1.1 %d %s\r\n" % (status, phrase(status, reason))
    line = _LINES.get(status)
    if line is None:
        line = b"HTTP/1.1 %d %s\r\n" % (status, standard_phrase(status))
        if len(_LINES) < 1000:
            _LINES[status] = line
    return line
