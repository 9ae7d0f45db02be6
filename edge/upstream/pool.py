"""An HTTP/1.1 connection pool for httpx that costs the same with 1 or 500 connections.

httpcore's `AsyncConnectionPool` re-examines every connection it holds on every request
and every response close: for each idle one, `has_expired()` asks anyio for the socket's
attributes (a `getpeername()` call) and polls the socket for readability. With a few dozen
keep-alive connections to a busy origin that is most of a proxied request's cost (measured
in bench/README.md: a loopback proxy at ~450 req/s). Each of its requests also sets up an
event whose backend detection imports `sniffio` — and re-searches `sys.path` every time when
sniffio is not installed.

This pool keeps idle connections per origin on a LIFO stack and examines only the one it
hands out. Everything else — connections, HTTP/1.1, TLS, timeouts, streaming, httpx's
exception mapping — is httpcore's and httpx's own: `HttpUpstream` puts this pool inside an
ordinary `httpx.AsyncHTTPTransport`. HTTP/2 clients keep httpcore's pool (one connection
multiplexes there, so it never grows).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import httpcore



class LifoPool:
    """Drop-in for `httpcore.AsyncConnectionPool` (HTTP/1.1): at most `max_connections` in
    use at once (callers wait for a slot), at most `max_keepalive` idle ones per origin."""

    def __init__(
        self,
        ssl_context: ssl.SSLContext | None,
        max_connections: int | None = 512,
        max_keepalive: int | None = 128,
        keepalive_expiry: float | None = 5.0,
    ) -> None:
        self._ssl_context = ssl_context
        self._max_connections = max_connections or 1 << 30
        self._max_keepalive = max_keepalive if max_keepalive is not None else 1 << 30
        self._keepalive_expiry = keepalive_expiry
        self._idle: dict[tuple[bytes, bytes, int], list[httpcore.AsyncHTTPConnection]] = {}
        self._in_use = 0
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def connections(self) -> list[httpcore.AsyncHTTPConnection]:
        return [conn for idle in self._idle.values() for conn in idle]

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        await self._acquire()
        try:
            connection = await self._checkout(request.url.origin)
            try:
                response = await connection.handle_async_request(request)
            except BaseException:
                await connection.aclose()
                raise
        except BaseException:
            self._release()
            raise
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=_PooledStream(response.stream, self, connection),  # type: ignore[arg-type]
            extensions=response.extensions,
        )

    async def _checkout(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        idle = self._idle.get(_key(origin))
        while idle:
            connection = idle.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            await connection.aclose()
        return httpcore.AsyncHTTPConnection(
            origin=origin, ssl_context=self._ssl_context, keepalive_expiry=self._keepalive_expiry,
            http1=True, http2=False,
        )

    async def _checkin(self, connection: httpcore.AsyncHTTPConnection) -> None:
        try:
            if connection.is_idle() and not _sent_more(connection):
                idle = self._idle.setdefault(_key(connection._origin), [])  # noqa: SLF001 (no accessor)
                if len(idle) < self._max_keepalive:
                    idle.append(connection)
                    return
            await connection.aclose()
        finally:
            self._release()

    async def _acquire(self) -> None:
        if self._in_use < self._max_connections and not self._waiters:
            self._in_use += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # the releaser handed us its slot
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release()  # granted as we were cancelled: pass it on
            else:
                self._waiters.remove(waiter)
            raise

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                return
        self._in_use -= 1

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                await connection.aclose()

    async def __aenter__(self) -> "LifoPool":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _key(origin: httpcore.Origin) -> tuple[bytes, bytes, int]:
    return (origin.scheme, origin.host, origin.port)


def _sent_more(connection: httpcore.AsyncHTTPConnection) -> bool:
    """Did the origin send bytes past its answer (a second response in the same packet, more
    than its Content-Length)? h11 keeps them for the next exchange, which would read them as
    the answer to another viewer's request: such a connection is closed, never reused. (Bytes
    that arrive later, while it is idle, make `has_expired()` true.)"""
    inner = getattr(connection, "_connection", None)  # noqa: SLF001 (httpcore has no accessor)
    state = getattr(inner, "_h11_state", None)
    return state is not None and bool(state.trailing_data[0])


class _PooledStream:
    """The response body; closing it hands the connection back (or closes it)."""

    def __init__(self, stream: AsyncIterator[bytes], pool: LifoPool, connection: httpcore.AsyncHTTPConnection) -> None:
        self._stream = stream
        self._pool = pool
        self._connection: httpcore.AsyncHTTPConnection | None = connection

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            aclose = getattr(self._stream, "aclose", None)
            if aclose is not None:
                await aclose()
        except BaseException:
            await connection.aclose()
            raise
        finally:
            await self._pool._checkin(connection)  # noqa: SLF001
