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
- A connection is reused only after a complete response that allows keep-alive, and only
  within the origin's `keepalive_timeout` of its last answer (CloudFront's origin keep-alive
  timeout; older idle ones are closed when the pool is next used for that origin); an idle one
  the origin closed meanwhile fails on first use and the request is retried once on a new
  connection (only when nothing of the answer arrived and the method is idempotent).
- Connecting: up to `connection_attempts` attempts, each within `connect_timeout`; only a
  connection that could not be made is tried again (attempts.py).
- Timeouts: `connect_timeout` to connect; `read_timeout` for the head, between body chunks, and
  for the origin to take each piece of the request. A connection is closed on any failure or
  cancellation mid-exchange (it holds half a request), and when the origin answered before the
  whole request body was sent (no more of it is sent).
- HEAD responses and 1xx/204/304 have no body; a HEAD's connection is not reused (the
  parser cannot be told a response belongs to a HEAD).
- One connection, its parsing and what an origin may send on it: h1conn.py.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from typing import Any

from ..wire import default_key
from . import faults
from .attempts import Attempts, replayable
from .h1conn import H1Error, Key, _Connection, _within
from .response import OriginResponse

__all__ = ["H1Error", "H1Pool"]

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
                loop.create_connection(lambda: _Connection(key), host, port), timeout
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

    async def _open(self, host: str, port: int, timeout: float, attempts: Attempts) -> _Connection:
        """A new connection, in up to `attempts` tries: refused, unreachable and timed out are
        tried again (nothing was sent yet); an unresolvable name is not."""
        try:
            return await attempts.connect(lambda: self._connect(host, port, timeout), _not_established)
        except H1Error as exc:
            raise H1Error(exc.kind, attempts.final(str(exc)), result=exc.result) from None

    def _take(self, key: Key, keepalive_timeout: float) -> _Connection | None:
        idle = self._idle.get(key)
        if not idle:
            return None
        _expire(idle, asyncio.get_running_loop().time() - keepalive_timeout)
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
        connection.idle_since = asyncio.get_running_loop().time()
        idle.append(connection)

    async def request(
        self, host: str, port: int, method: str, target: bytes, headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes] | None, *, connect_timeout: float, read_timeout: float,
        attempts: Attempts | None = None, keepalive_timeout: float = 5.0,
    ) -> OriginResponse:
        """`attempts`: how many connection attempts a new connection may take, filled with the
        reasons of those that failed (one attempt when None); `keepalive_timeout`: how long an
        idle connection to this origin may wait for its next request."""
        head = _head(method, target, host, port, headers, body)
        retry = replayable(method, body)  # attempts.py
        for attempt in (0, 1):
            reused = self._take((host, port), keepalive_timeout)
            connection = reused or await self._open(host, port, connect_timeout, attempts or Attempts(1))
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


def _expire(idle: list[_Connection], idle_since_before: float) -> None:
    """Close the connections idle since before then: the oldest are at the bottom of the stack."""
    expired = 0
    while expired < len(idle) and idle[expired].idle_since < idle_since_before:
        idle[expired].close()
        expired += 1
    if expired:
        del idle[:expired]


def _not_established(exc: BaseException) -> bool:
    """A connection attempt that failed before anything was sent, and may succeed if tried again."""
    return isinstance(exc, H1Error) and exc.result in (faults.CONNECT, faults.COMM)


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
