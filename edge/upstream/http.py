"""HTTP(S) origins through shared httpx clients (connection pooling, per-origin timeouts).

Bodies arrive raw (no content decoding): what the origin sent is what the viewer and
the cache get. Large bodies stream; the pipeline decides when to buffer.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import h2.events
import httpcore
import httpx

from ..config.connection import DEFAULT_CONNECTION_ATTEMPTS
from ..pipeline.headers import default_key
from . import faults
from .attempts import Attempts, ConnectBudget, not_established, reason, replayable
from .h1 import H1Error, H1Pool
from .pool import KEEPALIVE, LifoPool
from .response import OriginResponse

# Connection-specific headers never cross a proxy (RFC 9110, section 7.6.1), plus what CloudFront drops.
HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
        "te", "trailer", "trailers", "transfer-encoding", "upgrade", "expect", "x-real-ip",
        "x-forwarded-proto",
    }
)


class OriginError(Exception):
    """The origin could not answer: `kind` is 'unreachable' (502) or 'timeout' (504); `result`
    names the failure as CloudFront's access logs do (faults.py); `failed_attempts`, why the
    connection attempts before the last one failed (attempts.py)."""

    def __init__(self, kind: str, message: str, result: str = faults.CONNECT,
                 failed_attempts: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.kind = kind
        self.result = result
        self.failed_attempts = failed_attempts


@dataclass(frozen=True)
class Target:
    """Where one request goes: an origin's address, possibly switched by an origin-request function."""

    protocol: str
    host: str
    port: int
    path: str = ""
    connect_timeout: float = 5.0  # each connection attempt's
    connection_attempts: int = DEFAULT_CONNECTION_ATTEMPTS
    read_timeout: float = 30.0
    keepalive_timeout: float = 5.0  # how long an idle connection to it is kept for the next request
    http2: bool = False
    verify_tls: bool = True
    ca_file: str = ""  # PEM certificate authorities to trust instead of the public ones
    guarded: bool = False  # an allowed, undeclared host: resolved and checked before connecting (origins.py)
    sni: str | None = None  # TLS server name when `host` is the address it was resolved to

    def url(self, uri: str, querystring: str) -> httpx.URL:
        """Built from its parts, so no path or query can change the host or port."""
        raw = (self.path + uri).encode("ascii", "strict")
        if querystring:
            raw += b"?" + querystring.encode("latin-1")
        return httpx.URL(scheme=self.protocol, host=self.host, port=self.port, raw_path=raw)


def strip_hop_by_hop(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    named = set()
    for key, value in headers:
        if key.lower() == "connection":
            named.update(token.strip().lower() for token in value.split(","))
    return [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP and k.lower() not in named]


class HttpUpstream:
    """One pool of connections per (HTTP/2, TLS verification) combination, shared by all origins.

    An origin's `keepalive_timeout` travels with each request: the HTTP/1.1 pool (pool.py)
    checks an idle connection's age against it; httpcore's HTTP/2 pool fixes the expiry when
    it makes a connection, so HTTP/2 has one pool per keep-alive timeout (the manifest's
    values and the whole seconds 1-60 a function may set). Those pools are bounded
    (`_H2Pools`): one unused for longer than its keep-alive timeout (and `H2_POOL_MARGIN`) is
    closed, and at most `H2_POOLS` are kept, the least recently used going first; a pool that
    goes while requests are in flight on it is closed when the last of them ends.

    Requests go straight to httpx's transport, not through an `AsyncClient`: a client would add
    only what a proxy must not have — a cookie jar shared by every viewer (an origin's
    `Set-Cookie` for one viewer would be sent with the next viewer's requests), default
    headers, auth and redirect handling — and its layers cost time on every request.
    """

    def __init__(self, max_connections: int = 512) -> None:
        # per key, an AsyncClient that only owns (and closes) its transport: requests never go
        # through the client itself (HTTP/1.1 over TLS: one per certificate setting)
        self._clients: dict[tuple[bool, str], httpx.AsyncClient] = {}
        self._limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=128)
        self._h2 = _H2Pools()
        self._h1 = H1Pool()  # plain-HTTP HTTP/1.1 origins (the common case): h1.py

    def _verify(self, target: Target) -> bool | ssl.SSLContext:
        if target.ca_file and target.verify_tls:
            try:
                return ssl.create_default_context(cafile=target.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise OriginError("unreachable", f"origin {target.host}:{target.port}: ca_file {target.ca_file!r} "
                                  f"cannot be read ({exc})") from None
        return target.verify_tls

    def _client(self, target: Target) -> httpx.AsyncHTTPTransport:
        """HTTP/1.1 (over TLS): the keep-alive timeout travels with each request (the KEEPALIVE
        extension), so one pool serves every timeout."""
        key = (target.verify_tls, target.ca_file)
        client = self._clients.get(key)
        if client is not None:
            return client._transport  # type: ignore[return-value]
        transport = httpx.AsyncHTTPTransport(verify=self._verify(target), limits=self._limits, trust_env=False)
        # a pool whose cost does not grow with its size (pool.py)
        ssl_context = transport._pool._ssl_context
        transport._pool = LifoPool(  # type: ignore[assignment]
            ssl_context, self._limits.max_connections, self._limits.max_keepalive_connections,
            self._limits.keepalive_expiry,
        )
        self._clients[key] = httpx.AsyncClient(transport=transport, trust_env=False)
        return transport

    def _h2_pool(self, target: Target) -> _H2Pool:
        key = (target.verify_tls, target.ca_file, target.keepalive_timeout)
        pool = self._h2.get(key)
        if pool is not None:
            return pool
        verify = self._verify(target)
        # httpcore's pool: an idle connection expires keepalive_timeout after its last answer
        limits = httpx.Limits(max_connections=self._limits.max_connections,
                              max_keepalive_connections=self._limits.max_keepalive_connections,
                              keepalive_expiry=target.keepalive_timeout)
        transport = httpx.AsyncHTTPTransport(http2=True, verify=verify, limits=limits, trust_env=False)
        transport._pool = _StalePool(  # type: ignore[assignment]
            ssl_context=transport._pool._ssl_context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=target.keepalive_timeout,
            http1=True, http2=True,
        )
        return self._h2.add(key, _H2Pool(transport, target.keepalive_timeout))

    async def fetch(
        self,
        target: Target,
        method: str,
        uri: str,
        querystring: str,
        headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes] | None,
    ) -> OriginResponse:
        """Send the request; the response body is left as a stream (OriginResponse.stream)."""
        if target.protocol == "http" and not target.http2:
            return await self._fetch_h1(target, method, uri, querystring, headers, body)
        if not target.http2:
            return await self._send(target, self._client(target), method, uri, querystring, headers, body, None)
        h2 = self._h2_pool(target)
        done = self._h2.use(h2)  # in flight on this pool until the response is closed
        try:
            return await self._send(target, h2.transport, method, uri, querystring, headers, body, done)
        except BaseException:
            done()
            raise

    async def _send(
        self, target: Target, transport: httpx.AsyncHTTPTransport, method: str, uri: str, querystring: str,
        headers: list[tuple[str, str]], body: bytes | AsyncIterator[bytes] | None,
        done: Callable[[], None] | None,
    ) -> OriginResponse:
        timeout = httpx.Timeout(target.read_timeout, connect=target.connect_timeout)
        where = f"origin {target.host}:{target.port}"
        attempts = Attempts(target.connection_attempts)
        started = time.perf_counter()
        replay = replayable(method, body)  # attempts.py: a kept-alive connection the origin closed
        try:
            for again in (False, True):
                budget = ConnectBudget(target.connect_timeout)  # TCP and TLS together, each attempt (attempts.py)
                request = httpx.Request(
                    method,
                    target.url(uri, querystring),
                    headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
                    content=body if body else None,
                    extensions={"timeout": timeout.as_dict(), "trace": budget.trace,
                                KEEPALIVE: target.keepalive_timeout,
                                **({"sni_hostname": target.sni} if target.sni else {})},
                )
                try:
                    response = await attempts.connect(
                        lambda: transport.handle_async_request(request), not_established,  # noqa: B023
                        lambda exc: _attempt_failed(where, exc, target.connect_timeout),
                    )
                    break
                except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                    # no answer came on a connection kept from an earlier request: closed while idle?
                    if again or budget.connected or not replay or not _closed(exc):
                        raise
        except httpx.ConnectTimeout:
            raise OriginError("timeout", attempts.final(f"{where}: no connection within {target.connect_timeout:g} s"),
                              faults.COMM, tuple(attempts.failed)) from None
        except httpx.TimeoutException as exc:
            raise OriginError("timeout", f"{where} timed out ({type(exc).__name__})", faults.COMM,
                              tuple(attempts.failed)) from None
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            result = _result(exc)
            if result == faults.HEADER_TOO_BIG:
                raise OriginError("unreachable", f"{where}: the response head is too large ({exc})", result,
                                  tuple(attempts.failed)) from None
            if result == faults.INVALID:
                first_line = "illegal" in str(exc) and "line" in str(exc)  # no status line: HTTP/2 frames, perhaps
                hint = ("; an origin that speaks only HTTP/2 needs https and http2 = true"
                        if first_line and not (target.http2 and target.protocol == "https") else "")
                raise OriginError("unreachable", f"{where}: the answer is not valid HTTP ({exc}){hint}", result,
                                  tuple(attempts.failed)) from None
            said = reason(exc) if isinstance(exc, httpx.ConnectError) else str(exc)
            raise OriginError("unreachable", attempts.final(f"{where} unreachable: {said}"), result,
                              tuple(attempts.failed)) from None
        except httpx.HTTPError as exc:
            raise OriginError("unreachable", f"{where} failed: {exc}", faults.READ, tuple(attempts.failed)) from None
        except (httpx.InvalidURL, UnicodeError, ValueError) as exc:  # a request we cannot put on the wire
            raise OriginError("unreachable", f"cannot send this request to {target.host}: {exc}", faults.WRITE) from None
        closer = _closer(response, done)
        # h11/h2 lowercase names; give functions the canonical case, as for viewer headers
        raw_headers = [(default_key(k.decode("latin-1")), v.decode("latin-1")) for k, v in response.headers.raw]
        problem = faults.status_problem(response.status_code)
        result = faults.INVALID
        if problem is None:
            problem, result = faults.headers_problem(raw_headers), faults.HEADER_TOO_BIG
        if problem is not None:  # as the plain-HTTP client refuses them (h1.py)
            await closer()
            raise OriginError("unreachable", f"{where}: {problem}", result, tuple(attempts.failed))
        if method == "HEAD" or response.status_code in (204, 304):  # no body: release the connection now
            await closer()
            body, stream, closer_ = b"", None, None
        else:
            body, stream, closer_ = None, _raw_stream(response, target, closer), closer
        return OriginResponse(
            status=response.status_code,
            headers=strip_hop_by_hop(raw_headers),
            body=body,
            stream=stream,
            reason=response.reason_phrase,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            closer=closer_,
            failed_attempts=tuple(attempts.failed),
        )

    async def _fetch_h1(
        self, target: Target, method: str, uri: str, querystring: str, headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes] | None,
    ) -> OriginResponse:
        """Plain HTTP/1.1 origins: the lean client (h1.py)."""
        started = time.perf_counter()
        raw = (target.path + uri).encode("latin-1")
        if querystring:
            raw += b"?" + querystring.encode("latin-1")
        if not _TARGET.match(raw):
            raise OriginError("unreachable", f"cannot send this request to {target.host}: the URL has "
                              "spaces or control characters")
        attempts = Attempts(target.connection_attempts)
        try:
            response = await self._h1.request(
                target.host, target.port, method, raw, headers, body or None,
                connect_timeout=target.connect_timeout, read_timeout=target.read_timeout, attempts=attempts,
                keepalive_timeout=target.keepalive_timeout,
            )
        except H1Error as exc:
            raise OriginError(exc.kind, str(exc), exc.result, tuple(attempts.failed)) from None
        if attempts.failed:
            response.failed_attempts = tuple(attempts.failed)
        response.headers = strip_hop_by_hop(response.headers)
        response.elapsed_ms = (time.perf_counter() - started) * 1000
        if response.stream is not None:
            response.stream = _h1_errors(response.stream)
        return response

    async def aclose(self) -> None:
        self._h1.close()
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
        await self._h2.aclose()


H2_POOLS = 16  # HTTP/2 pools kept at most (one per keep-alive timeout and certificate setting in use)
H2_POOL_MARGIN = 1.0  # seconds past its keep-alive timeout an unused HTTP/2 pool is kept


class _H2Pool:
    """One HTTP/2 transport (httpcore's pool, all its connections made for one keep-alive
    timeout) and the requests in flight on it."""

    __slots__ = ("in_use", "keepalive", "last_used", "retired", "transport")

    def __init__(self, transport: httpx.AsyncHTTPTransport, keepalive: float) -> None:
        self.transport = transport
        self.keepalive = keepalive
        self.in_use = 0  # requests sent and responses not yet closed
        self.last_used = time.monotonic()
        self.retired = False  # no longer handed out: closed once in_use is 0


class _H2Pools:
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
        self._pools: OrderedDict[tuple[bool, str, float], _H2Pool] = OrderedDict()
        self._retired: set[_H2Pool] = set()  # retired with requests in flight
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._pools)

    def get(self, key: tuple[bool, str, float]) -> _H2Pool | None:
        self._sweep()
        pool = self._pools.get(key)
        if pool is not None:
            self._pools.move_to_end(key)
        return pool

    def add(self, key: tuple[bool, str, float], pool: _H2Pool) -> _H2Pool:
        self._pools[key] = pool
        while len(self._pools) > self.most:
            self._retire(self._pools.popitem(last=False)[1])
        return pool

    def use(self, pool: _H2Pool) -> Callable[[], None]:
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

    def _retire(self, pool: _H2Pool) -> None:
        pool.retired = True
        if pool.in_use:
            self._retired.add(pool)
        else:
            self._close(pool)

    def _close(self, pool: _H2Pool) -> None:
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


class _StalePool(httpcore.AsyncConnectionPool):
    """httpcore's pool, making `_StaleConnection`s."""

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        return _StaleConnection(
            origin=origin, ssl_context=self._ssl_context, keepalive_expiry=self._keepalive_expiry,
            http1=self._http1, http2=self._http2, retries=self._retries, local_address=self._local_address,
            uds=self._uds, network_backend=self._network_backend, socket_options=self._socket_options,
        )


_TARGET = re.compile(rb"/[!-~]*\Z")  # printable ASCII, no spaces (the request line's target)


async def _h1_errors(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The body stream, its failures as OriginError (as the httpx path raises them)."""
    try:
        async for chunk in stream:
            yield chunk
    except H1Error as exc:
        raise OriginError(exc.kind, str(exc), exc.result) from None
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()


def _closer(response: httpx.Response, done: Callable[[], None] | None) -> Callable[[], Awaitable[None]]:
    """Closes the response; over HTTP/2, ends the request's use of its pool (`done`) too."""
    if done is None:
        return response.aclose

    async def close() -> None:
        try:
            await response.aclose()
        finally:
            done()

    return close


def _closed(exc: httpx.HTTPError) -> bool:
    """Did the request fail because its connection ended (closed, reset, a GOAWAY) before any
    of the answer came, rather than on an answer that is not HTTP?"""
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
        return True
    cause = exc.__cause__ or exc.__context__  # httpcore's exception: a GOAWAY is its argument
    if cause is not None and cause.args and isinstance(cause.args[0], h2.events.ConnectionTerminated):
        return True
    return _result(exc) == faults.READ  # "Server disconnected", "peer closed connection"


async def _raw_stream(response: httpx.Response, target: Target,
                      closer: Callable[[], Awaitable[None]]) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    except httpx.TimeoutException:
        raise OriginError("timeout", f"origin {target.host}:{target.port} timed out sending the body",
                          faults.COMM) from None
    except httpx.HTTPError as exc:
        raise OriginError("unreachable", f"origin {target.host}:{target.port} broke off the body: {exc}",
                          _result(exc)) from None
    finally:
        await closer()


def _attempt_failed(where: str, exc: BaseException, connect_timeout: float) -> str:
    """Why one connection attempt failed, for the request's log."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"{where}: no connection within {connect_timeout:g} s"
    return f"{where} unreachable: {reason(exc)}"


def _result(exc: httpx.HTTPError) -> str:
    """CloudFront's name for an httpx failure (faults.py)."""
    if isinstance(exc, httpx.ConnectError):
        cause = exc.__context__
        while cause is not None and not isinstance(cause, socket.gaierror):
            cause = cause.__context__
        return faults.DNS if cause is not None else faults.CONNECT
    if isinstance(exc, httpx.WriteError):
        return faults.WRITE
    if isinstance(exc, httpx.RemoteProtocolError):  # a connection that ended, or an answer that is not HTTP
        text = str(exc)
        if "Receive buffer too long" in text:  # h11: a head over httpcore's 100 KiB
            return faults.HEADER_TOO_BIG
        return faults.READ if "disconnected" in text or "peer closed" in text else faults.INVALID
    return faults.READ
