"""An HTTP/1.1 connection pool for httpx that costs the same with 1 or 500 connections.

httpcore's `AsyncConnectionPool` re-examines every connection it holds on every request
and every response close: for each idle one, `has_expired()` asks anyio for the socket's
attributes (a `getpeername()` call) and polls the socket for readability. With a few dozen
keep-alive connections to a busy origin that is most of a proxied request's cost (measured
in bench/README.md: a loopback proxy at ~450 req/s). Each of its requests also sets up an
event whose backend detection imports `sniffio` — and re-searches `sys.path` every time when
sniffio is not installed.

This pool keeps idle connections per origin on a LIFO stack and examines only the one it
hands out. How long an idle connection may wait for its next request is the request's to say
(the origin's `keepalive_timeout`, which an origin-request function may change): the caller
puts it in the request's `extensions` under `KEEPALIVE`, and the pool compares it with the time
the connection went idle. httpcore's own expiry is fixed when a connection is made, so
connections here are made without one. Those idle too long sit at the bottom of the stack
and are closed when the next request to their origin comes (no timers).

Everything else — connections, HTTP/1.1, TLS, timeouts, streaming, httpx's exception
mapping — is httpcore's and httpx's own: `HttpUpstream` puts this pool inside an
ordinary `httpx.AsyncHTTPTransport`. HTTP/2 clients keep httpcore's pool (one connection
multiplexes there, so it never grows).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator

import httpcore

KEEPALIVE = "edge.keepalive_expiry"  # request extension: seconds an idle connection may be reused within

Idle = tuple[float, httpcore.AsyncHTTPConnection]  # (time.monotonic() it went idle, the connection)


class LifoPool:
    """Drop-in for `httpcore.AsyncConnectionPool` (HTTP/1.1): at most `max_connections` in
    use at once (callers wait for a slot), at most `max_keepalive` idle ones per origin, each
    reused within the request's `KEEPALIVE` extension (`keepalive_expiry` when it has none)."""

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
        self._idle: dict[tuple[bytes, bytes, int], list[Idle]] = {}  # oldest first
        self._in_use = 0
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def connections(self) -> list[httpcore.AsyncHTTPConnection]:
        return [conn for idle in self._idle.values() for _, conn in idle]

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        await self._acquire()
        try:
            keepalive = request.extensions.get(KEEPALIVE, self._keepalive_expiry)
            connection = await self._checkout(request.url.origin, keepalive)
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

    async def _checkout(self, origin: httpcore.Origin, keepalive: float | None) -> httpcore.AsyncHTTPConnection:
        """The most recently used idle connection to `origin` idle for at most `keepalive`
        seconds (None: any), or a new one; those idle longer are closed."""
        idle = self._idle.get(_key(origin))
        if idle and keepalive is not None:
            await _expire(idle, time.monotonic() - keepalive)
        while idle:
            _, connection = idle.pop()
            # has_expired(): the origin closed it, or sent something, while it was idle
            if connection.is_idle() and not connection.has_expired():
                return connection
            await connection.aclose()
        return httpcore.AsyncHTTPConnection(  # no expiry of its own: each request brings one
            origin=origin, ssl_context=self._ssl_context, keepalive_expiry=None, http1=True, http2=False,
        )

    async def _checkin(self, connection: httpcore.AsyncHTTPConnection) -> None:
        try:
            if connection.is_idle() and not _sent_more(connection):
                idle = self._idle.setdefault(_key(connection._origin), [])  # noqa: SLF001 (no accessor)
                if len(idle) < self._max_keepalive:
                    idle.append((time.monotonic(), connection))
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
            for _, connection in connections:
                await connection.aclose()

    async def __aenter__(self) -> "LifoPool":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _expire(idle: list[Idle], idle_since_before: float) -> None:
    """Close the connections idle since before then: the oldest are at the bottom of the stack."""
    expired = 0
    while expired < len(idle) and idle[expired][0] < idle_since_before:
        expired += 1
    if expired:
        gone = idle[:expired]
        del idle[:expired]  # first: nobody else takes them while they close
        for _, connection in gone:
            await connection.aclose()


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
