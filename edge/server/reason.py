"""Reason phrases on the status line: the function's `statusDescription`, where the server can.

ASGI has no field for the reason phrase, so the app puts it in the `http.response.start`
message under the key `reason` (servers ignore keys they do not know). What each server
does with it:

- **Hypercorn** (HTTP/1.x): sends it, through the two small adapters installed here — the
  stream remembers the message's `reason`, and the HTTP/1.1 protocol puts it in the status
  line (Hypercorn itself always sends an empty phrase). A phrase that is not printable
  Latin-1 is replaced by the standard one.
- **uvicorn** and **Granian**: the standard phrase for the status (`200 OK`), whatever the
  function set.
- **HTTP/2 and HTTP/3** have no reason phrase at all.
"""

from __future__ import annotations

import functools
import logging
import re
from http import HTTPStatus
from typing import Any

log = logging.getLogger("edge.server")

_PRINTABLE = re.compile(r"[\t\x20-\x7e\x80-\xff]*\Z")
_installed = False


MAX_PHRASE = 256  # longer phrases (a 70 KB statusDescription) make no status line: the standard one instead


def phrase(status: int, reason: str) -> bytes:
    """The bytes for the status line: the given phrase if it can go on the wire, else the standard one."""
    if reason and len(reason) <= MAX_PHRASE and _PRINTABLE.match(reason):
        return reason.encode("latin-1")
    try:
        return HTTPStatus(status).phrase.encode("latin-1")
    except ValueError:
        return b""


def install() -> bool:
    """Teach Hypercorn's HTTP/1.1 protocol to send the `reason` of the start message (idempotent).
    False when this Hypercorn's internals are not the ones expected (nothing is changed then)."""
    global _installed
    if _installed:
        return True
    try:
        import h11
        from hypercorn.protocol import h11 as h11_protocol
        from hypercorn.protocol import http_stream
    except ImportError:
        return False
    stream_cls = http_stream.HTTPStream
    protocol_cls = h11_protocol.H11Protocol
    if not (hasattr(stream_cls, "app_send") and hasattr(protocol_cls, "_send_h11_event")):
        log.info("this Hypercorn has no hook for reason phrases: the status line keeps its own")
        return False

    original_app_send = stream_cls.app_send
    original_send_event = protocol_cls._send_h11_event

    @functools.wraps(original_app_send)
    async def app_send(self: Any, message: Any) -> None:
        if message is not None and message.get("type") == "http.response.start":
            self._edge_reason = phrase(int(message["status"]), message.get("reason") or "")
        await original_app_send(self, message)

    @functools.wraps(original_send_event)
    async def send_event(self: Any, event: Any) -> None:
        if type(event) is h11.Response:
            reason = getattr(self.stream, "_edge_reason", None)
            if reason:
                event = h11.Response(
                    status_code=event.status_code, headers=event.headers, reason=reason,
                    http_version=event.http_version,
                )
        await original_send_event(self, event)

    stream_cls.app_send = app_send
    protocol_cls._send_h11_event = send_event
    _installed = True
    return True
