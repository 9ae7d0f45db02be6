"""Sending a response to the viewer: headers once, a buffered body whole or in parts, a
streamed origin body chunk by chunk; all of it watching for the viewer to leave, so that a
viewer gone stops the origin download and the access log counts what the server took."""

from __future__ import annotations

import asyncio
import contextlib

from starlette.types import Receive, Scope, Send

from ..wire import encode
from .guard import BodyTimeout

# A buffered body up to this size goes out in one `send` (the common case, kept to one call);
# a larger one goes in parts of this size, so a viewer seen gone between parts stops it and the
# access log counts the parts the server took, not the whole body. No ASGI server says how much
# of a `send` reached the viewer or raises when it is gone; uvicorn stops taking parts while
# the socket's buffers are full, Granian and Hypercorn take them all (docs/operations.md).
WHOLE_BODY = 256 * 1024


async def send_response(scope: Scope, send: Send, response, receive: Receive | None = None  # type: ignore[no-untyped-def]
                ) -> tuple[int, Exception | None, bool]:
    """Send the response; returns the body bytes sent, the origin's failure if it broke
    off mid-body, and whether the viewer went away before the response was complete. A
    streamed origin body stops (and its origin connection is released) as soon as the
    viewer goes away; so does a buffered body over WHOLE_BODY (sent in parts). A body the
    origin broke off is left unfinished, so the server closes the viewer's connection: a
    chunked response never ends with its last chunk, and the viewer can tell it is
    incomplete (as CloudFront does)."""
    raw_headers = response.wire if response.wire is not None else encode(response.headers)
    # `reason`: the function's statusDescription, sent where the server can (reason.py)
    await send({"type": "http.response.start", "status": response.status, "headers": raw_headers,
                "reason": response.reason})
    head = scope["method"] == "HEAD"
    if response.stream is None:
        body = b"" if head else (response.body or b"")
        if len(body) <= WHOLE_BODY or receive is None:
            await send({"type": "http.response.body", "body": body})
            return len(body), None, False
        return await _send_in_parts(send, receive, body)
    sent = 0
    broken: Exception | None = None
    gone = asyncio.Event()
    watcher = asyncio.ensure_future(_watch_disconnect(receive, gone)) if receive is not None else None
    leaving = asyncio.ensure_future(gone.wait()) if watcher is not None else None
    try:
        stream = response.stream
        while not head and not gone.is_set():
            try:
                if leaving is None:
                    chunk = await anext(stream)
                else:  # a viewer that leaves while the origin is silent releases it at once
                    pending = asyncio.ensure_future(anext(stream))
                    await asyncio.wait((pending, leaving), return_when=asyncio.FIRST_COMPLETED)
                    if not pending.done():
                        pending.cancel()
                        await asyncio.wait((pending,))  # unwound before the stream is closed
                        break
                    chunk = pending.result()
            except StopAsyncIteration:
                break
            except Exception as exc:  # the origin broke off mid-body: cut the response, keep the server
                broken = exc
                break
            if chunk:
                sent += len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except Exception:  # the viewer's connection failed under us: nothing more can be sent
        gone.set()
    finally:
        if watcher is not None:
            watcher.cancel()
        if leaving is not None:
            leaving.cancel()
        with contextlib.suppress(Exception):
            await response.aclose()
    if not gone.is_set() and broken is None:
        await send({"type": "http.response.body", "body": b""})
    return sent, broken, gone.is_set()


async def _send_in_parts(send: Send, receive: Receive, body: bytes) -> tuple[int, None, bool]:
    """A large buffered body (a cache hit, or a miss the cache keeps) in WHOLE_BODY parts,
    watching for the viewer to leave: returns the bytes of the parts the server took before
    it was seen gone (the servers take a part whether or not the viewer is still there, and
    tell only by `http.disconnect`), and whether it went away before the last part."""
    sent, size = 0, len(body)
    gone = asyncio.Event()
    watcher = asyncio.ensure_future(_watch_disconnect(receive, gone))
    try:
        for start in range(0, size, WHOLE_BODY):
            if gone.is_set():
                break
            part = body[start:start + WHOLE_BODY]
            await send({"type": "http.response.body", "body": part, "more_body": start + WHOLE_BODY < size})
            sent += len(part)
    except Exception:  # the viewer's connection failed under us: nothing more can be sent
        gone.set()
    finally:
        watcher.cancel()
    return sent, None, sent < size


async def _watch_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    """Drain what is left of the request until the viewer disconnects. An unread body that
    stalls (BodyTimeout) ends the watch: the response goes on, its connection closes after."""
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                gone.set()
                return
    except BodyTimeout:
        return
