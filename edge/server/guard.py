"""HTTP-level hardening in the app, where the ASGI servers cannot be configured to do it.

`Guard` wraps the whole app (edge and admin listeners), one HTTP request at a time:

- **Framing that enables smuggling** (RFC 9112, sections 6.1 and 6.3): a request with both
  `Content-Length` and `Transfer-Encoding` is answered 400 and its connection closed, so
  nothing hidden in its body is ever read as a second request.
- **HTTP versions**: anything but 1.x, 2 and 3 is answered 505 and the connection closed
  (a higher 1.x minor version is served as 1.1, as RFC 9112, section 2.3 asks).
- **Slow or stalled bodies**: while a request body is incomplete, each wait for more of it is
  bounded: at most `body_timeout` seconds between chunks, and on average at least
  `body_min_rate` bytes per second once the body has taken longer than `body_timeout`.
  Past either: 408, connection closed; the request's slot is freed.
- **Bodies answered unread**: a response sent before the request's body was read (a 400
  for a bad name, a generated answer that ignores the body) leaves the body on the
  connection. Up to `UNREAD_BODY_LIMIT` bytes arriving within `UNREAD_BODY_SECONDS` are
  read and dropped before the response's last part goes out, so the connection stays
  reusable; a larger, chunked or `Expect: 100-continue` remainder gets `Connection: close`
  on the response (some servers would otherwise close the connection silently, and a
  keep-alive client's next request would fail).
- **Graceful stop** (edge/server/drain.py): requests arriving while the worker stops are
  answered 503 with `Connection: close`, requests in flight are tracked and may be cut.

What only a server's parser sees (chunk sizes, pipelining after HTTP/1.0, the number of
open connections) is handled per server in edge/server/serverhooks.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..pipeline.response import http_date
from .drain import Drain, InFlight

log = logging.getLogger("edge.server")

VERSIONS = frozenset({"1", "1.0", "1.1", "2", "3"})  # Granian reports HTTP/1.0 as "1"
UNREAD_BODY_LIMIT = 64 * 1024  # bytes of an unread request body dropped to keep its connection
UNREAD_BODY_SECONDS = 1.0  # ...if they arrive this soon (a client sends its body right behind the head)


@dataclass(frozen=True)
class HttpLimits:
    body_timeout: float = 10.0  # seconds a request body may stall between chunks
    body_min_rate: int = 1024  # bytes/s on average once a body has taken longer than body_timeout; 0: off
    max_connections: int = 1024  # open connections per worker process (per server hooks)


class BodyTimeout(Exception):
    """The request body stalled or arrived too slowly; the client gets 408."""


class IncompleteBody(Exception):
    """The client went away (or its framing broke) before its body was complete."""


async def body_failed(request: object, exc: Exception) -> Response:
    """A Starlette exception handler (the edge app's): 408 or 400, and the connection closes."""
    status, text = (408, str(exc)) if isinstance(exc, BodyTimeout) else (400, "the request body is incomplete")
    return PlainTextResponse(f"{status}: {text}\n", status_code=status,
                             headers={"Connection": "close", "X-Cache": "Error from edge"})


def _simple(status: int, reason: str, message: str, extra: list[tuple[bytes, bytes]] | None = None, *,
            http1: bool = True) -> tuple[Message, Message]:
    """A plain-text answer; on HTTP/1 the connection closes after it (HTTP/2 has no such header)."""
    body = f"{status} {reason}: {message}\n".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"date", http_date().encode()),  # the servers are told to add none (the app sets Date)
               *([(b"connection", b"close")] if http1 else []), *(extra or [])]
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware around the whole app; other attributes are the wrapped app's."""

    def __init__(self, app: ASGIApp, limits: HttpLimits, drain: Drain,
                 passes_while_stopping: Callable[[Scope], bool] = lambda scope: False,
                 endless: Callable[[Scope], bool] = lambda scope: False) -> None:
        self.app = app
        self.limits = limits
        self.drain = drain
        self.passes_while_stopping = passes_while_stopping
        self.endless = endless
        self.connections = 0  # open connections (kept by the server hooks that can count them)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.app, name)

    def wrap(self, app: ASGIApp) -> "Guard":
        """The same checks and drain around another app (a second listener of this worker)."""
        return Guard(app, self.limits, self.drain, self.passes_while_stopping, self.endless)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal, framed, declared = self._refusal(scope)
        if refusal is not None:
            for message in refusal:
                await send(message)
            return
        request = self.drain.enter(scope["method"], scope.get("path", ""), endless=self.endless(scope),
                                   client=scope.get("client"))
        http1 = scope.get("http_version", "1.1").startswith("1")
        # An HTTP/1 request without Transfer-Encoding or a Content-Length above 0 has no body to time out.
        body = _BodyReader(receive, self.limits, declared) if framed or not http1 else _NO_BODY
        reply = _Reply(send, request, http1=http1, drain=self.drain, body=body)
        try:
            await self.app(scope, receive if body is _NO_BODY else body, reply)
        except BodyTimeout as exc:
            log.info("%s %s: %s", scope["method"], scope.get("path", ""), exc)
            await reply.refuse(408, "Request Timeout", str(exc))
        except IncompleteBody:
            await reply.refuse(400, "Bad Request", "the request body is incomplete")
        except asyncio.CancelledError:
            if not request.survives_cut():
                raise
            if request.endless and request.response_started:
                await reply.end()  # a stream with no end of its own (a log follow) ends at the stop, whole
            else:
                await reply.refuse(503, "Service Unavailable", "the server is stopping", [(b"retry-after", b"1")])
        finally:
            self.drain.leave(request)

    def _refusal(self, scope: Scope) -> tuple[tuple[Message, Message] | None, bool, int | None]:
        """The answer that refuses this request, if any; whether an HTTP/1 request announced
        a body (Transfer-Encoding, or a Content-Length above 0); and its Content-Length, if it
        gave one (None as well while it waits for `100 Continue`)."""
        version = scope.get("http_version", "1.1")
        if version not in VERSIONS and not (version.startswith("1.") and version[2:].isdigit()):
            return _simple(505, "HTTP Version Not Supported",
                           f"HTTP/{version} is not supported; use HTTP/1.1 or HTTP/2"), False, None
        http1 = version.startswith("1")
        length: bytes | None = None
        chunked = expects = False
        if http1:
            hosts = 0
            host = b""
            for name, value in scope["headers"]:
                if name == b"content-length":
                    length = value
                elif name == b"transfer-encoding":
                    chunked = True
                elif name == b"expect":
                    expects = True
                elif name == b"host":
                    hosts += 1
                    host = value
            if length is not None and chunked:
                return _simple(400, "Bad Request",
                               "a request must not carry both Content-Length and Transfer-Encoding"), True, None
            # RFC 9112, section 3.2 (Hypercorn's parser refuses these itself; Granian passes them
            # on, and gives a missing Host as an empty one)
            if hosts > 1:
                return _simple(400, "Bad Request", "a request must carry one Host header, not several"), False, None
            if not host and version == "1.1":
                return _simple(400, "Bad Request", "an HTTP/1.1 request must carry a Host header"), False, None
        size = int(length) if length is not None and length.isascii() and length.isdigit() else None
        framed = chunked or (length is not None and size != 0)  # `Content-Length: 0`: no body
        # a client waiting for `100 Continue` is not asked for a body only to drop it: None
        # (unknown) makes an unread body close the connection instead
        declared = None if expects else size
        if self.drain.stopping and not self.passes_while_stopping(scope):
            return _simple(503, "Service Unavailable", "the server is stopping; retry", [(b"retry-after", b"1")],
                           http1=http1), framed, declared
        return None, framed, declared


class _BodyReader:
    """`receive` with the body's time bounded while it is incomplete (then unbounded: an app
    waiting for `http.disconnect` after the body must not be timed out)."""

    __slots__ = ("receive", "limits", "declared", "started", "received", "complete", "timed_out", "waiting")

    def __init__(self, receive: Receive, limits: HttpLimits, declared: int | None = None) -> None:
        self.receive = receive
        self.limits = limits
        self.declared = declared  # Content-Length; None: chunked (or HTTP/2)
        self.started = time.monotonic()
        self.received = 0
        self.complete = False
        self.timed_out = False
        self.waiting = False  # someone awaits the next message (then they drain it, not us)

    def too_much_left(self) -> bool:
        """Whether what is left unread is more than the guard drops to keep the connection."""
        if self.complete:
            return False
        return self.declared is None or self.declared - self.received > UNREAD_BODY_LIMIT

    async def discard_rest(self) -> None:
        """Read and drop what the app left of the body (bounded by `too_much_left`,
        `UNREAD_BODY_SECONDS` and the body timeouts), so the server sees the request complete
        and keeps the connection."""
        for _ in range(6):  # a reader cancelled just before (a disconnect watcher) needs ~3 turns to unwind
            if not self.waiting:
                break
            await asyncio.sleep(0)
        else:  # the app still reads: it drains the body
            return
        try:
            async with asyncio.timeout(UNREAD_BODY_SECONDS):
                while not self.complete and not self.timed_out:
                    await self()
        except Exception:  # slow, stalled or gone: the server closes the connection  # noqa: BLE001
            pass

    async def __call__(self) -> Message:
        if self.complete or self.timed_out:
            return await self.receive()
        limits = self.limits
        timeout = limits.body_timeout
        if limits.body_min_rate:
            # by now this much time may have passed for the bytes received so far
            due = self.started + limits.body_timeout + self.received / limits.body_min_rate
            timeout = min(timeout, max(0.0, due - time.monotonic()))
        self.waiting = True
        try:
            message = await asyncio.wait_for(self.receive(), timeout)
        except asyncio.TimeoutError:
            self.timed_out = True
            raise BodyTimeout(
                f"request body too slow: {self.received} bytes in {time.monotonic() - self.started:.1f} s "
                f"(at most {limits.body_timeout:g} s between chunks"
                + (f", at least {limits.body_min_rate} bytes/s)" if limits.body_min_rate else ")")
            ) from None
        finally:
            self.waiting = False
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if not message.get("more_body", False):
                self.complete = True
        else:
            self.complete = True
        return message


class _NoBody:
    """What `_Reply` sees of a request that has no body: it never timed out."""

    __slots__ = ()
    timed_out = False
    complete = True

    def too_much_left(self) -> bool:
        return False

    async def discard_rest(self) -> None:
        pass


_NO_BODY = _NoBody()


class _Reply:
    """`send`, remembering whether the response started, with `Connection: close` added on
    HTTP/1 while the worker stops, after the body failed, or when more of the body is left
    unread than the guard will drop (the connection cannot be reused)."""

    __slots__ = ("send", "request", "http1", "drain", "body", "closing", "ended")

    def __init__(self, send: Send, request: InFlight, *, http1: bool, drain: Drain, body: _BodyReader | _NoBody) -> None:
        self.send = send
        self.request = request
        self.http1 = http1
        self.drain = drain
        self.body = body
        self.closing = False  # the response said `Connection: close`
        self.ended = False  # the response's last body message was sent

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.request.response_started = True
            body = self.body
            if self.http1 and (self.drain.stopping or body.timed_out or (body is not _NO_BODY and body.too_much_left())):
                self.closing = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            elif not body.complete and self.http1:  # the app may close it itself (a refused upload)
                self.closing = any(k.lower() == b"connection" and b"close" in v.lower()
                                   for k, v in message.get("headers", ()))
        elif not self.body.complete and self.http1 and not self.closing and not message.get("more_body", False):
            # the response ends with the request's HTTP/1 body unread: drop it first (some
            # servers close a connection whose request is incomplete when its response ends;
            # an HTTP/2 stream's end needs nothing of the kind)
            await self.body.discard_rest()
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.ended = True
        await self.send(message)

    async def end(self) -> None:
        """End a started response whole (its last, empty, body message): a chunked HTTP/1
        response gets its final chunk, an HTTP/2 stream its end, so the client reads a complete
        response (curl exits 0, not 18 for an incomplete chunked body)."""
        if self.ended:
            return
        self.ended = True
        try:
            await self.send({"type": "http.response.body", "body": b"", "more_body": False})
        except Exception:  # the client is gone already  # noqa: BLE001
            pass

    async def refuse(self, status: int, reason: str, text: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
        """Answer with `status` if nothing was sent yet; otherwise the response is left
        incomplete, so the server closes the connection instead of passing it off as whole."""
        if self.request.response_started:
            return
        start, body = _simple(status, reason, text, extra, http1=self.http1)
        try:
            await self.send(start)
            await self.send(body)
        except Exception:  # the client is gone already  # noqa: BLE001
            pass
