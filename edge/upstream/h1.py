"""A lean HTTP/1.1 client for plain-HTTP origins: keep-alive connections per origin, each an
asyncio `Protocol`, responses parsed by `httptools` (llhttp, in C).

Proxying is the edge's most common path, and through httpx + httpcore + h11 a loopback
origin round trip cost ~400 µs of Python per request (bench/README.md). Here a request is one
`write` of prebuilt bytes, and the response arrives through the parser's callbacks straight
into an `OriginResponse`: the head as soon as it is parsed, the body as a stream with flow
control (reading pauses while more than 256 KiB waits unread).

What it does and does not do:
- HTTP/1.1 only, plain TCP (TLS and HTTP/2 origins use httpx); no redirects, cookies or
  content decoding (bodies pass through raw, as for every origin).
- Bodies: bytes are sent with their Content-Length; a stream with Transfer-Encoding chunked.
- A connection is reused only after a complete response that allows keep-alive; an idle one
  the origin closed meanwhile fails on first use and the request is retried once on a new
  connection (only when nothing of the answer arrived and the method is idempotent).
- Timeouts: `connect_timeout` to connect; `read_timeout` for the head, between body chunks, and
  for the origin to take each piece of the request. A connection is closed on any failure or
  cancellation mid-exchange (it holds half a request), and when the origin answered before the
  whole request body was sent (no more of it is sent).
- HEAD responses and 1xx/204/304 have no body; a HEAD's connection is not reused (the
  parser cannot be told a response belongs to a HEAD).
- What an origin sends beyond its answer (a second response in the same packet, bytes on an
  idle connection) is never read as the answer to this or a later request: the connection is
  closed. A head over faults.MAX_HEAD_BYTES or faults.MAX_HEADERS, a 101 nobody asked for
  and a status outside 200-599 fail the exchange (502) as soon as they are seen.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
from collections.abc import AsyncIterator
from typing import Any

import httptools

from ..pipeline.headers import default_key
from . import faults
from .response import OriginResponse

Key = tuple[str, int]
_H2_SETTINGS = re.compile(rb".{3}\x04[\x00\x01]\x00{4}", re.DOTALL)  # an HTTP/2 frame header: SETTINGS, stream 0
BUFFER_LIMIT = 256 * 1024
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class H1Error(Exception):
    """A failed exchange: `kind` is 'unreachable' or 'timeout'; `retryable` when the request
    may be sent again on a new connection (nothing of the answer arrived); `result` names the
    failure as CloudFront's logs do (faults.py)."""

    def __init__(self, kind: str, message: str, retryable: bool = False, result: str = faults.READ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.result = result


class _Beyond(Exception):
    """Raised inside the parser: a second answer began after this one was complete."""


class _Connection(asyncio.Protocol):
    """One TCP connection to an origin and the response being read from it."""

    def __init__(self, pool: "H1Pool", key: Key) -> None:
        self.pool = pool
        self.key = key
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.reset()
        self.closed = False
        self.write_paused = False
        self.drained: asyncio.Future[None] | None = None

    # -- one exchange ---------------------------------------------------------------------

    def reset(self) -> None:
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.complete = False
        self.keep_alive = False
        self.framed = True  # the answer says where its body ends (Content-Length or chunked)
        self.received_any = False
        self.cut_short = False  # the request's body was not sent whole (the origin answered first)
        self.head_bytes = 0  # bytes received before the head was complete (1xx answers included)
        self.header_bytes = 0  # the parsed status lines and header lines, for a head that came in one read
        self.waiter: asyncio.Future[None] | None = None
        self.error: H1Error | None = None
        self.read_paused = False

    # -- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    def data_received(self, data: bytes) -> None:
        if self.complete:  # more than the answer, or bytes on an idle connection: never read as an answer
            self.close()
            return
        self.received_any = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if not isinstance(exc.__context__, _Beyond):  # a second answer: this one stays whole
                self._fail(exc.__context__ if isinstance(exc.__context__, H1Error) else self._invalid(exc))
            self.close()
        except httptools.HttpParserUpgrade:  # not an HttpParserError (on_headers_complete refuses a 101 first)
            self._fail(H1Error("unreachable", faults.status_problem(101), result=faults.INVALID))  # type: ignore[arg-type]
            self.close()
        except httptools.HttpParserError as exc:
            self._fail(self._invalid(exc, data if self.head_bytes == 0 else b""))  # the first bytes: HTTP/2?
            self.close()
        else:
            if not self.head.done():
                self.head_bytes += len(data)
                if self.head_bytes > faults.MAX_HEAD_BYTES:  # a head that never ends is not held
                    self._fail(_too_big())
                    self.close()

    @staticmethod
    def _invalid(exc: Exception, data: bytes = b"") -> H1Error:
        if _H2_SETTINGS.match(data):  # an HTTP/2-only server opens with its SETTINGS frame
            return H1Error("unreachable", "the origin answered with HTTP/2 frames: it speaks only HTTP/2, which the "
                           "edge uses over https (http2 = true), not over plain http", result=faults.INVALID)
        return H1Error("unreachable", f"the origin's answer is not valid HTTP/1.1 ({exc})", result=faults.INVALID)

    def eof_received(self) -> bool | None:
        if not self.complete and self.head.done() and not self.framed and self.status >= 200:
            self.complete = True  # a body delimited by the end of the connection ends here
            self.keep_alive = False
            self._wake()
        if not self.complete:
            self._fail(H1Error("unreachable", "the origin closed the connection mid-answer",
                               retryable=not self.received_any, result=faults.READ))
        self.closed = True
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.complete:
            detail = f": {exc}" if exc else ""
            self._fail(H1Error("unreachable", f"the connection to the origin was lost{detail}",
                               retryable=not self.received_any))
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    # -- parser callbacks ---------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.complete:
            raise _Beyond()

    def on_status(self, status: bytes) -> None:
        self.reason += status
        self.header_bytes += len(status) + 15

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        self.header_bytes += len(name) + len(value) + 4
        if self.header_bytes > faults.MAX_HEAD_BYTES:
            raise _too_big()
        if len(self.headers) > faults.MAX_HEADERS:
            raise H1Error("unreachable", f"the origin sent more than {faults.MAX_HEADERS} header lines",
                          result=faults.HEADER_TOO_BIG)

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if 100 <= self.status < 200 and self.status != 101:  # an interim answer; the real one follows
            self.reason, self.headers = b"", []
            return
        problem = faults.status_problem(self.status)
        if problem is not None:
            raise H1Error("unreachable", problem, result=faults.INVALID)
        self.framed = any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in self.headers)
        if not self.head.done():
            self.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > BUFFER_LIMIT and not self.read_paused and self.transport is not None:
            self.read_paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.status < 200:
            return
        self.keep_alive = self.parser.should_keep_alive()  # valid only inside this callback
        self.complete = True
        self._wake()

    # -- helpers ------------------------------------------------------------------------------

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: H1Error) -> None:
        if self.error is None:
            self.error = error
        if not self.head.done():
            self.head.set_exception(error)
            self.head.exception()  # retrieved: no "never retrieved" warning if nobody waits
        self._wake()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def write(self, data: bytes, timeout: float) -> None:
        """Send; while the origin reads nothing for `timeout` seconds, fail (504) rather than
        wait for ever on an origin that accepted the connection and never reads."""
        assert self.transport is not None
        self.transport.write(data)
        if self.write_paused and not self.closed:
            self.drained = asyncio.get_running_loop().create_future()
            await _within(self.drained, timeout, f"the origin read none of the request for {timeout:g} s")

    async def next_chunk(self, timeout: float) -> bytes | None:
        """The next piece of the body, or None at its end."""
        while not self.chunks:
            if self.complete:
                return None
            if self.error is not None:
                raise self.error
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await _within(self.waiter, timeout, f"the origin sent nothing for {timeout:g} s mid-body")
            finally:
                self.waiter = None
        data = b"".join(self.chunks) if len(self.chunks) > 1 else self.chunks[0]
        self.chunks = []
        self.buffered = 0
        if self.read_paused and self.transport is not None and not self.closed:
            self.read_paused = False
            self.transport.resume_reading()
        return data


class H1Pool:
    """Idle keep-alive connections per (host, port), most recently used first."""

    def __init__(self, max_idle_per_origin: int = 128) -> None:
        self.max_idle = max_idle_per_origin
        self._idle: dict[Key, list[_Connection]] = {}

    async def _connect(self, host: str, port: int, timeout: float) -> _Connection:
        loop = asyncio.get_running_loop()
        key = (host, port)
        try:
            _, protocol = await asyncio.wait_for(
                loop.create_connection(lambda: _Connection(self, key), host, port), timeout
            )
        except asyncio.TimeoutError:
            raise H1Error("timeout", f"origin {host}:{port}: no connection within {timeout:g} s",
                          result=faults.COMM) from None
        except socket.gaierror as exc:
            raise H1Error("unreachable", f"origin {host}: cannot resolve ({exc.strerror or exc})",
                          result=faults.DNS) from None
        except OSError as exc:  # "Connection refused", not asyncio's "Connect call failed (address)"
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise H1Error("unreachable", f"origin {host}:{port} unreachable: {reason}", result=faults.CONNECT) from None
        return protocol  # type: ignore[return-value]

    def _take(self, key: Key) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if not connection.closed:
                connection.reset()
                return connection
        return None

    def _give_back(self, connection: _Connection) -> None:
        if connection.closed:
            return
        idle = self._idle.setdefault(connection.key, [])
        if len(idle) >= self.max_idle:
            connection.close()
            return
        idle.append(connection)

    async def request(
        self, host: str, port: int, method: str, target: bytes, headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes] | None, *, connect_timeout: float, read_timeout: float,
    ) -> OriginResponse:
        head = _head(method, target, host, port, headers, body)
        retry = method in IDEMPOTENT and not (body is not None and not isinstance(body, bytes))
        for attempt in (0, 1):
            reused = self._take((host, port))
            connection = reused or await self._connect(host, port, connect_timeout)
            try:
                return await self._exchange(connection, method, head, body, read_timeout)
            except H1Error as exc:
                connection.close()
                if not (attempt == 0 and reused is not None and retry and exc.retryable):
                    raise
            except BaseException:  # the viewer's body broke off or stalled, or the request was cancelled
                connection.close()  # half a request: the connection can serve nobody else
                raise
        raise AssertionError("unreachable")

    async def _exchange(self, connection: _Connection, method: str, head: bytes,
                        body: bytes | AsyncIterator[bytes] | None, read_timeout: float) -> OriginResponse:
        if body is None or isinstance(body, bytes):
            await connection.write(head + body if body else head, read_timeout)
        else:
            await connection.write(head, read_timeout)
            async for chunk in body:
                if connection.head.done() or connection.closed:  # answered early, or gone: send no more
                    connection.cut_short = True  # the origin has half a request: never reused
                    break
                if chunk:
                    await connection.write(b"%x\r\n%s\r\n" % (len(chunk), chunk), read_timeout)
            else:
                await connection.write(b"0\r\n\r\n", read_timeout)
        if not connection.head.done():
            await _within(connection.head, read_timeout, f"the origin did not answer within {read_timeout:g} s")
        connection.head.result()  # the origin's failure, if that is how it ended
        headers = [(default_key(k.decode("latin-1")), v.decode("latin-1")) for k, v in connection.headers]
        reason = connection.reason.decode("latin-1")
        status = connection.status
        if method == "HEAD" or status in (204, 304):
            # no body; after a HEAD the parser may still expect one: the connection is not reused
            if method == "HEAD" or not connection.complete:
                connection.close()
            else:
                self._release(connection)
            return OriginResponse(status, headers, b"", reason=reason)
        if connection.complete and not connection.error:  # the whole answer is already here
            data = b"".join(connection.chunks)
            self._release(connection)
            return OriginResponse(status, headers, data, reason=reason)
        return OriginResponse(status, headers, None, stream=self._stream(connection, read_timeout),
                              reason=reason, closer=_closer(connection))

    def _release(self, connection: _Connection) -> None:
        if connection.keep_alive and not connection.closed and not connection.cut_short:
            self._give_back(connection)
        else:
            connection.close()

    async def _stream(self, connection: _Connection, read_timeout: float) -> AsyncIterator[bytes]:
        finished = False
        try:
            while True:
                chunk = await connection.next_chunk(read_timeout)
                if chunk is None:
                    finished = True
                    return
                yield chunk
        finally:
            if finished:
                self._release(connection)
            else:  # abandoned (the viewer left) or failed: the rest of the answer is not wanted
                connection.close()

    def close(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


def _too_big() -> H1Error:
    return H1Error("unreachable", f"the origin's response head is over {faults.MAX_HEAD_BYTES} bytes",
                   result=faults.HEADER_TOO_BIG)


async def _within(future: asyncio.Future[None], timeout: float, message: str) -> None:
    """Wait for `future`; past `timeout`, fail it (one timer, no task per wait)."""

    def expire() -> None:
        if not future.done():
            future.set_exception(H1Error("timeout", message, result=faults.COMM))

    handle = asyncio.get_running_loop().call_later(timeout, expire)
    try:
        await future
    finally:
        handle.cancel()


def _closer(connection: _Connection):  # type: ignore[no-untyped-def]
    async def close() -> None:
        if not connection.complete:
            connection.close()

    return close


_NO_SEND = frozenset({"content-length", "transfer-encoding", "host"})


def _head(method: str, target: bytes, host: str, port: int, headers: list[tuple[str, str]], body: Any) -> bytes:
    """The request line and headers. Framing is ours (Content-Length or chunked); the Host
    header is the caller's when it sent one, else the origin's address."""
    lines = [b"%s %s HTTP/1.1\r\n" % (method.encode("ascii"), target)]
    host_value = None
    for key, value in headers:
        lower = key.lower()
        if lower in _NO_SEND:
            if lower == "host":
                host_value = value
            continue
        if "\r" in value or "\n" in value or "\r" in key or "\n" in key:
            raise H1Error("unreachable", f"header {key!r} cannot be sent: it contains a line break",
                          result=faults.WRITE)
        lines.append(b"%s: %s\r\n" % (key.encode("latin-1"), value.encode("latin-1")))
    if host_value is None:
        host_value = host if port == 80 else f"{host}:{port}"
    lines.insert(1, b"Host: %s\r\n" % host_value.encode("latin-1"))
    if body is None:
        if method in ("POST", "PUT", "PATCH"):
            lines.append(b"Content-Length: 0\r\n")
    elif isinstance(body, bytes):
        lines.append(b"Content-Length: %d\r\n" % len(body))
    else:
        lines.append(b"Transfer-Encoding: chunked\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)
