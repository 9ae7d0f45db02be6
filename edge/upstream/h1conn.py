"""One HTTP/1.1 connection to an origin (an asyncio `Protocol`), the response on it parsed by
`httptools` (llhttp, in C): its head as soon as it is parsed, its body as a stream with flow
control (reading pauses while more than 256 KiB waits unread). The pool that hands these out
and the requests they carry are h1.py's.

Whatever an origin sends beyond its answer (a second response in the same packet, bytes on an
idle connection) closes the connection: it is never read as the answer to this or a later
request. A head over faults.MAX_HEAD_BYTES or faults.MAX_HEADERS, a 101 nobody asked for and a
status outside 200-599 fail the exchange (502) as soon as they are seen.

Trailer fields (after a chunked body's last chunk) are read and dropped: the parser reports them
through the same callback as header fields, and merged into the head they would be served and
cached as headers (a trailer `Set-Cookie`, `Cache-Control: no-store`) or not, depending on
whether they came in the same read as the head (RFC 9110 section 6.5.1: never merge them). The
parser holds a field whole until its end, so the bytes after the head that carry no body (chunk
framing, trailer fields) are bounded as a head is: over faults.MAX_HEAD_BYTES in a row fail
the exchange.
"""

from __future__ import annotations

import asyncio
import re
import socket

import httptools

from . import faults

Key = tuple[str, int]
_H2_SETTINGS = re.compile(rb".{3}\x04[\x00\x01]\x00{4}", re.DOTALL)  # an HTTP/2 frame header: SETTINGS, stream 0
BUFFER_LIMIT = 256 * 1024


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

    def __init__(self, key: Key) -> None:
        self.key = key
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.reset()
        self.closed = False
        self.idle_since = 0.0  # the loop's time it went back to the pool
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
        self.trailing = False  # the final answer's head is complete: header callbacks now are trailer fields
        self.body_read = False  # the current read carried body bytes
        self.bare_bytes = 0  # bytes read in a row after the head without a byte of body

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
        self.body_read = False
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
            elif not self.complete:  # nor trailer fields (or chunk framing) that never end
                self.bare_bytes = 0 if self.body_read else self.bare_bytes + len(data)
                if self.bare_bytes > faults.MAX_HEAD_BYTES:
                    self._fail(H1Error("unreachable", f"the origin sent over {faults.MAX_HEAD_BYTES} bytes of trailer "
                                       "fields or chunk framing without body", result=faults.HEADER_TOO_BIG))
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
        if self.trailing:  # a trailer field: dropped, never a header (the edge forwards no trailers)
            return
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
        self.trailing = True
        if not self.head.done():
            self.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.body_read = True
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
