"""One viewer connection over HTTP/1.x: requests parsed by httptools, answered in order.

A `Connection` is the asyncio protocol of one accepted socket; each request on it is an
`Exchange`, which gives the app its ASGI `receive` and `send`. Requests are answered one at a
time in arrival order: a pipelined request waits (and the socket is not read further) until
the one before it is answered. A response goes out as one write (head and body together)
when the app sends it whole, as chunks otherwise.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httptools

from .status import status_line

if TYPE_CHECKING:
    from .server import HttpServer

log = logging.getLogger("edge.server")

HEAD_LIMIT = 64 * 1024  # bytes of a request's line and headers before it is refused (431)
BODY_AHEAD = 256 * 1024  # bytes of request body read ahead of the app before the socket's reading pauses
ASGI = {"version": "3.0", "spec_version": "2.3"}
DISCONNECT = {"type": "http.disconnect"}
NO_BODY_STATUSES = frozenset({204, 304})
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def plain(status: int, reason: str, text: str) -> bytes:
    """A complete plain-text response that closes its connection (for answers the server gives itself)."""
    body = f"{status} {reason}: {text}\n".encode()
    return (b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n%s" % (status, reason.encode(), len(body), body))


class HeadTooLarge(Exception):
    pass


class Connection(asyncio.Protocol):
    """The protocol of one accepted socket (see the module docstring)."""

    def __init__(self, server: HttpServer, scheme: str) -> None:
        self.server = server
        self.app = server.app
        self.loop = server.loop
        self.scheme = scheme
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.client: tuple[str, int] | None = None
        self.local: tuple[str, int] | None = None
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_size = 0
        self.expects = False  # the request being parsed asked for `100 Continue`
        self.parsing: Exchange | None = None  # the request whose body the parser is reading
        self.current: Exchange | None = None  # the request being answered
        self.waiting: deque[Exchange] = deque()  # pipelined requests behind it
        self.last = False  # the request being answered is the connection's last
        self.closed = False
        self.paused = False  # reading paused (pipelined requests waiting, or a body not taken yet)
        self.write_paused = False
        self.drained: asyncio.Future[None] | None = None
        self.idle_ticks = 0  # sweeps since the connection last finished a response (server.py)
        self.stalled_ticks = 0  # sweeps its writes have stayed paused
        self.refused = False  # over the bound on open connections: answered 503 and closed

    # -- the socket ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        if isinstance(peer, tuple):
            self.client = (peer[0], peer[1])
        if isinstance(local, tuple):
            self.local = (local[0], local[1])
        self.server.admit(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.forget(self)
        for exchange in (self.current, self.parsing, *self.waiting):
            if exchange is not None:
                exchange.gone()
        self.waiting.clear()
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            self.server.refuse(self)
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # an Upgrade (WebSocket, h2c) or CONNECT: answered as a plain request, then the
            # connection closes, since what follows on it is not HTTP/1.1 any more
            self.last = True
            self._stop_reading()
        except httptools.HttpParserError as exc:
            self._refuse_request(exc)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        self.stalled_ticks = 0
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)
        self.drained = None

    async def writable(self) -> None:
        """Wait until the transport's buffer has room (or the connection is gone)."""
        if self.write_paused and not self.closed:
            if self.drained is None:
                self.drained = self.loop.create_future()
            await self.drained

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.close()

    # -- the parser's callbacks --------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []
        self.head_size = 0
        self.expects = False

    def on_url(self, url: bytes) -> None:
        self.url += url
        self.head_size += len(url)
        if self.head_size > HEAD_LIMIT:
            raise HeadTooLarge()

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        self.headers.append((name, value))
        self.head_size += len(name) + len(value) + 4
        if self.head_size > HEAD_LIMIT:
            raise HeadTooLarge()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expects = True

    def on_headers_complete(self) -> None:
        parser = self.parser
        if self.last or self.closed:  # after a request that ends the connection: nothing more is served
            self.parsing = None
            return
        version = parser.get_http_version()
        keep_alive = parser.should_keep_alive()
        exchange = Exchange(self, self._scope(parser.get_method().decode("ascii"), version), keep_alive,
                            self.expects and version == "1.1")
        self.parsing = exchange
        if not keep_alive:
            self.last = True
        if self.current is None:
            self._begin(exchange)
        else:
            self.waiting.append(exchange)
            self._pause_reading()

    def on_body(self, body: bytes) -> None:
        exchange = self.parsing
        if exchange is not None:
            exchange.feed(body)

    def on_message_complete(self) -> None:
        exchange = self.parsing
        if exchange is not None:
            exchange.complete()
            self.parsing = None
        if self.last:
            self._stop_reading()

    # -- requests ------------------------------------------------------------------------------

    def _scope(self, method: str, version: str) -> dict[str, Any]:
        url = self.url
        if url[:1] == b"/" and b"#" not in url:
            raw_path, _, query = url.partition(b"?")
        else:  # absolute-form (`GET http://host/path`), `*`, or a fragment the client sent along
            try:
                parsed = httptools.parse_url(url)
                raw_path, query = parsed.path or b"/", parsed.query or b""
            except httptools.HttpParserInvalidURLError:
                raw_path, query = url, b""
        text = raw_path.decode("latin-1")
        return {
            "type": "http", "asgi": ASGI, "http_version": version, "server": self.local, "client": self.client,
            "scheme": self.scheme, "method": method, "root_path": "",
            "path": unquote(text) if "%" in text else text, "raw_path": raw_path, "query_string": query,
            "headers": self.headers,
        }

    def _begin(self, exchange: Exchange) -> None:
        self.current = exchange
        exchange.task = self.loop.create_task(self._run(exchange))

    async def _run(self, exchange: Exchange) -> None:
        try:
            await self.app(exchange.scope, exchange.receive, exchange.send)
        except asyncio.CancelledError:  # the server stopped with this request still running
            self.close()
            raise
        except Exception:  # the app failed: 500 if nothing was sent, else the connection ends unfinished
            log.exception("the app failed on %s %s", exchange.scope["method"], exchange.scope["path"])
            if not exchange.started and not self.closed:
                self.transport.write(plain(500, "Internal Server Error", "the server failed on this request"))
            self.close()
            return
        if not exchange.finished:
            if not exchange.started and not self.closed:  # returned without answering
                log.error("the app sent no response to %s %s", exchange.scope["method"], exchange.scope["path"])
                self.transport.write(plain(500, "Internal Server Error", "the server sent no response"))
            self.close()  # a response left unfinished (a broken origin body) must not pass for whole

    def answered(self, exchange: Exchange) -> None:
        """The response to `exchange` went out whole: the next request, or an idle connection."""
        self.current = None
        if not exchange.keep_alive or self.closed:
            self.close()
            return
        if not exchange.body_complete:  # the rest of its body is still on the wire: the connection cannot carry another
            self.close()
            return
        self.idle_ticks = 0
        if self.waiting:
            self._begin(self.waiting.popleft())
        elif self.last:  # the server stops, or the request said it was the last
            self.close()
        else:
            self._resume_reading()

    # -- reading ---------------------------------------------------------------------------------

    def _pause_reading(self) -> None:
        if not self.paused and not self.closed:
            self.paused = True
            self.transport.pause_reading()

    def _stop_reading(self) -> None:
        self._pause_reading()

    def _resume_reading(self) -> None:
        if self.paused and not self.closed and not self.last and not self.waiting:
            parsing = self.parsing
            if parsing is None or parsing.ahead < BODY_AHEAD:
                self.paused = False
                self.transport.resume_reading()

    def _refuse_request(self, exc: Exception) -> None:
        """A request the parser cannot take: its answer (if none is under way), then the end."""
        if isinstance(exc.__context__, HeadTooLarge) or isinstance(exc, HeadTooLarge):
            answer = plain(431, "Request Header Fields Too Large",
                           f"the request line and headers exceed {HEAD_LIMIT} bytes")
        elif "version" in str(exc).lower():
            answer = plain(505, "HTTP Version Not Supported", "use HTTP/1.1")
        else:
            answer = plain(400, "Bad Request", f"the request is not valid HTTP/1.1 ({exc})")
        self.last = True
        self._stop_reading()
        if self.parsing is not None and self.parsing is not self.current:
            self.waiting = deque(e for e in self.waiting if e is not self.parsing)
        if self.parsing is not None:
            self.parsing.gone()  # its body will never be complete
        if self.current is None and not self.closed:
            self.transport.write(answer)
            self.close()


class Exchange:
    """One request and its response: the app's ASGI `receive` and `send`."""

    __slots__ = ("conn", "scope", "keep_alive", "expects", "chunks", "ahead", "body_complete", "body_given",
                 "disconnected", "waiter", "started", "finished", "chunked", "head", "task", "pending")

    def __init__(self, conn: Connection, scope: dict[str, Any], keep_alive: bool, expects: bool) -> None:
        self.conn = conn
        self.scope = scope
        self.keep_alive = keep_alive
        self.expects = expects  # waiting for `100 Continue` before it sends its body
        self.chunks: list[bytes] = []
        self.ahead = 0  # body bytes read from the socket and not yet taken by the app
        self.body_complete = False
        self.body_given = False  # the app has had the body's last part
        self.disconnected = False
        self.waiter: asyncio.Future[None] | None = None
        self.started = False  # the response's head went out
        self.finished = False  # ... and its end
        self.chunked = False
        self.head = scope["method"] == "HEAD"
        self.task: asyncio.Task[None] | None = None
        self.pending: dict[str, Any] | None = None  # the start message, sent with the first body part

    # -- from the connection -------------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        self.ahead += len(chunk)
        if self.ahead >= BODY_AHEAD:
            self.conn._pause_reading()
        self._wake()

    def complete(self) -> None:
        self.body_complete = True
        self._wake()

    def gone(self) -> None:
        self.disconnected = True
        self._wake()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def _wait(self) -> None:
        self.waiter = waiter = self.conn.loop.create_future()
        await waiter

    # -- the app's side ----------------------------------------------------------------------------

    async def receive(self) -> dict[str, Any]:
        while True:
            if self.chunks or (self.body_complete and not self.body_given):
                body = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
                self.chunks = []
                self.ahead = 0
                more = not self.body_complete
                if not more:
                    self.body_given = True
                elif self.conn.paused:
                    self.conn._resume_reading()
                return {"type": "http.request", "body": body, "more_body": more}
            if self.disconnected or self.finished:
                return DISCONNECT
            if self.expects and not self.started and not self.body_given:
                self.expects = False
                if not self.conn.closed:
                    self.conn.transport.write(CONTINUE)
            await self._wait()

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.started or self.pending is not None:
                raise RuntimeError("the response has already started")
            self.pending = message
            return
        if kind != "http.response.body":
            raise RuntimeError(f"unexpected ASGI message {kind!r} on an HTTP request")
        if self.finished:
            raise RuntimeError("the response is already complete")
        conn = self.conn
        body = message.get("body", b"")
        more = message.get("more_body", False)
        if self.pending is not None:
            out = self._head(self.pending, body, more)
            self.pending = None
            self.started = True
        elif not self.started:
            raise RuntimeError("a response body was sent before its start")
        elif self.head:
            out = b""
        elif self.chunked:
            out = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + (b"" if more else b"0\r\n\r\n")
        else:
            out = body
        if conn.closed:
            return
        if out:
            conn.transport.write(out)
        if not more:
            self.finished = True
            self._wake()  # an app watching for the disconnect sees this request end
            conn.answered(self)
        elif conn.write_paused:
            await conn.writable()

    def _head(self, start: dict[str, Any], body: bytes, more: bool) -> bytes:
        """The status line and headers, framed for this request, and the first part of the body."""
        status = start["status"]
        parts = [status_line(status, start.get("reason"))]
        length = given_chunked = said_close = False
        for name, value in start.get("headers", ()):
            low = name.lower()
            if low == b"content-length":
                length = True
            elif low == b"transfer-encoding":
                given_chunked = True
            elif low == b"connection" and b"close" in value.lower():
                self.keep_alive = False
                said_close = True
            parts += (name, b": ", value, b"\r\n")
        lines = len(parts) // 4 + 2
        bodiless = status < 200 or status in NO_BODY_STATUSES
        if bodiless or self.head:
            pass
        elif given_chunked:
            self.chunked = True
        elif not length:
            if not more:
                parts += (b"content-length: ", b"%d" % len(body), b"\r\n")
                lines += 1
            elif self.scope["http_version"] == "1.1":
                parts.append(b"transfer-encoding: chunked\r\n")
                lines += 1
                self.chunked = True
            else:  # HTTP/1.0 has no chunks: the body ends where the connection does
                self.keep_alive = False
        if not self.keep_alive and not self.conn.last:
            self.conn.last = True
        if not self.keep_alive:
            if not said_close:
                parts.append(b"connection: close\r\n")
                lines += 1
        elif self.scope["http_version"] == "1.0":  # an HTTP/1.0 client keeps the connection only when told
            parts.append(b"connection: keep-alive\r\n")
            lines += 1
        parts.append(b"\r\n")
        head = b"".join(parts)
        if head.count(b"\n") != lines or head.count(b"\r") != lines:
            raise ValueError("a response header contains a line break")
        if bodiless or self.head:
            return head
        if self.chunked:
            return head + (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + (b"" if more else b"0\r\n\r\n")
        return head + body
