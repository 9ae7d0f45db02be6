"""HTTP/2 origin pools (httpx/httpcore): one per keep-alive timeout and certificate setting,
bounded in number and age, whose connections count an origin's idle close as expiry."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable

import httpcore
import httpx

H2_POOLS = 16  # HTTP/2 pools kept at most (one per keep-alive timeout and certificate setting in use)
H2_POOL_MARGIN = 1.0  # seconds past its keep-alive timeout an unused HTTP/2 pool is kept


class H2Pool:
    """One HTTP/2 transport (httpcore's pool, all its connections made for one keep-alive
    timeout) and the requests in flight on it."""

    __slots__ = ("in_use", "keepalive", "last_used", "retired", "transport")

    def __init__(self, transport: httpx.AsyncHTTPTransport, keepalive: float) -> None:
        self.transport = transport
        self.keepalive = keepalive
        self.in_use = 0  # requests sent and responses not yet closed
        self.last_used = time.monotonic()
        self.retired = False  # no longer handed out: closed once in_use is 0


class H2Pools:
    """The HTTP/2 pools by (verify_tls, ca_file, keepalive_timeout), least recently used first.

    Each time one is looked up, those unused for longer than their keep-alive timeout plus
    `H2_POOL_MARGIN` (every connection in them expired) are retired, and the least recently
    used beyond `H2_POOLS`. A retired pool is closed at once when nothing is in flight on it,
    else when its last response is closed: a request in flight is never cut off. Closing runs
    in a task of its own (a TLS connection's close may wait on the network), never in a
    request's way."""

    def __init__(self, most: int = H2_POOLS, margin: float = H2_POOL_MARGIN) -> None:
        self.most = most
        self.margin = margin
        self._pools: OrderedDict[tuple[bool, str, float], H2Pool] = OrderedDict()
        self._retired: set[H2Pool] = set()  # retired with requests in flight
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._pools)

    def get(self, key: tuple[bool, str, float]) -> H2Pool | None:
        self._sweep()
        pool = self._pools.get(key)
        if pool is not None:
            self._pools.move_to_end(key)
        return pool

    def add(self, key: tuple[bool, str, float], pool: H2Pool) -> H2Pool:
        self._pools[key] = pool
        while len(self._pools) > self.most:
            self._retire(self._pools.popitem(last=False)[1])
        return pool

    def use(self, pool: H2Pool) -> Callable[[], None]:
        """Count a request in flight on `pool`; the function returned ends it (once)."""
        pool.in_use += 1
        ended = False

        def done() -> None:
            nonlocal ended
            if ended:
                return
            ended = True
            pool.in_use -= 1
            pool.last_used = time.monotonic()
            if pool.retired and pool.in_use == 0:
                self._retired.discard(pool)
                self._close(pool)

        return done

    def _sweep(self) -> None:
        now = time.monotonic()
        for key, pool in list(self._pools.items()):
            if pool.in_use == 0 and now - pool.last_used > pool.keepalive + self.margin:
                del self._pools[key]
                self._retire(pool)

    def _retire(self, pool: H2Pool) -> None:
        pool.retired = True
        if pool.in_use:
            self._retired.add(pool)
        else:
            self._close(pool)

    def _close(self, pool: H2Pool) -> None:
        task = asyncio.get_running_loop().create_task(pool.transport.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        pools = [*self._pools.values(), *self._retired]
        self._pools.clear()
        self._retired.clear()
        for pool in pools:
            pool.retired = True
            await pool.transport.aclose()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


class _StaleConnection(httpcore.AsyncHTTPConnection):
    """httpcore's connection, which also counts as expired an idle HTTP/2 connection the
    origin has closed, or has said anything on, while it was idle (its socket is readable:
    a GOAWAY, a TLS close_notify, the end of the TCP stream), or that failed: httpcore judges
    an idle HTTP/2 connection by its keep-alive expiry alone (its HTTP/1.1 connections, by
    readability too), so the next request was sent on a connection the origin had closed, and
    failed. Such a connection is closed and the request gets a new one. (An origin that pings
    an idle connection costs a new connection, no more.) A request that meets the origin's
    close in flight is sent again if it may be (attempts.py, `replayable`)."""

    def has_expired(self) -> bool:
        if super().has_expired():
            return True
        inner = self._connection
        if not isinstance(inner, httpcore.AsyncHTTP2Connection) or not inner.is_idle():
            return False
        if not inner.is_available():  # failed, or the origin said GOAWAY: it will take no request
            return True
        stream = inner._network_stream
        return bool(stream.get_extra_info("is_readable"))


class StalePool(httpcore.AsyncConnectionPool):
    """httpcore's pool, making `_StaleConnection`s."""

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        return _StaleConnection(
            origin=origin, ssl_context=self._ssl_context, keepalive_expiry=self._keepalive_expiry,
            http1=self._http1, http2=self._http2, retries=self._retries, local_address=self._local_address,
            uds=self._uds, network_backend=self._network_backend, socket_options=self._socket_options,
        )
