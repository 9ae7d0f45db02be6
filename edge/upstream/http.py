"""HTTP(S) origins through shared httpx clients (connection pooling, per-origin timeouts).

Bodies arrive raw (no content decoding): what the origin sent is what the viewer and
the cache get. Large bodies stream; the pipeline decides when to buffer.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

import h2.events
import httpx

from ..config.connection import DEFAULT_CONNECTION_ATTEMPTS
from ..wire import default_key
from . import faults
from .attempts import Attempts, ConnectBudget, not_established, reason, replayable
from .h1 import H1Error, H1Pool
from .h2ended import RECORDED, BodyGone, RecordedBody, StreamTrace, broken_off, ended
from .h2pools import H2Pool, H2Pools, StalePool
from .pool import KEEPALIVE, LifoPool
from .response import OriginResponse
from .target import target_bytes

log = logging.getLogger("edge.upstream")
RECORDED_KIB = RECORDED // 1024
RESENDS = 2  # times a request the origin refused unprocessed (h2ended.py) is sent again at most
# Set by the pipeline around a fetch (origin_leg.py): writes a warning under the request's id
REQUEST_LOG: ContextVar[Callable[[str], None] | None] = ContextVar("origin_request_log", default=None)

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
        return httpx.URL(scheme=self.protocol, host=self.host, port=self.port,
                         raw_path=target_bytes(self.path + uri, querystring))


def strip_hop_by_hop(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    named = set()
    for key, value in headers:
        if key.lower() == "connection":
            named.update(token.strip().lower() for token in value.split(","))
    return [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP and k.lower() not in named]


def _transfer_encoding(raw: list[tuple[str, str]], kept: list[tuple[str, str]]) -> str | None:
    """The origin's Transfer-Encoding, looked for only when stripping hop-by-hop headers took any."""
    if len(kept) == len(raw):
        return None
    codings = [v for k, v in raw if k.lower() == "transfer-encoding"]
    return ", ".join(codings) if codings else None


class HttpUpstream:
    """One pool of connections per (HTTP/2, TLS verification) combination, shared by all origins.

    An origin's `keepalive_timeout` travels with each request: the HTTP/1.1 pool (pool.py)
    checks an idle connection's age against it; httpcore's HTTP/2 pool fixes the expiry when
    it makes a connection, so HTTP/2 has one pool per keep-alive timeout (the manifest's
    values and the whole seconds 1-60 a function may set). Those pools are bounded
    (h2pools.py): one unused for longer than its keep-alive timeout (and a margin) is
    closed, and at most a few are kept, the least recently used going first; a pool that
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
        self._h2 = H2Pools()
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

    def _h2_pool(self, target: Target) -> H2Pool:
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
        transport._pool = StalePool(  # type: ignore[assignment]
            ssl_context=transport._pool._ssl_context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=target.keepalive_timeout,
            http1=True, http2=True,
        )
        return self._h2.add(key, H2Pool(transport, target.keepalive_timeout))

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
        resent: list[str] = []  # why the request was sent again, each time it was
        content: bytes | AsyncIterator[bytes] | RecordedBody | None = body or None
        if target.http2 and content is not None and not isinstance(content, (bytes, bytearray)):
            content = RecordedBody(content)  # kept while sent, if small, to send again if refused (h2ended.py)
        try:
            while True:
                budget = ConnectBudget(target.connect_timeout)  # TCP and TLS together, each attempt (attempts.py)
                stream = StreamTrace(budget.trace) if target.http2 else None  # h2ended.py
                request = httpx.Request(
                    method,
                    target.url(uri, querystring),
                    headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
                    content=content,
                    extensions={"timeout": timeout.as_dict(), "trace": stream or budget.trace,
                                KEEPALIVE: target.keepalive_timeout,
                                **({"sni_hostname": target.sni} if target.sni else {})},
                )
                try:
                    response = await attempts.connect(
                        lambda: transport.handle_async_request(request), not_established,  # noqa: B023
                        lambda exc: _attempt_failed(where, exc, target.connect_timeout),
                    )
                    break
                except (httpx.RemoteProtocolError, httpx.LocalProtocolError, httpx.ReadError,
                        httpx.WriteError) as exc:
                    h2_end = ended(exc, stream) if stream is not None else None
                    if h2_end is not None:
                        # an HTTP/2 GOAWAY, RST_STREAM or SETTINGS before the answer (h2ended.py): a
                        # stream the origin did not process goes again whatever the method, up to
                        # RESENDS times (refused again: an origin closing after N requests, more
                        # than N sent again having piled onto the new connection); one it may have
                        # processed, once and only if idempotent
                        said = f"{where}: {h2_end.says}"
                        resendable = not isinstance(content, RecordedBody) or content.resendable
                        if h2_end.unprocessed:
                            may = len(resent) < (1 if h2_end.once else RESENDS)
                        else:
                            may = h2_end.closed and replay and not resent
                        if not (may and resendable):
                            if h2_end.closed and not h2_end.unprocessed and not replay:
                                said += " (not sent again: the origin may have processed it)"
                            elif not resendable:
                                said += (" (not sent again: its body, streamed from the viewer and over "
                                         f"{RECORDED_KIB} KiB, was not kept)")
                            raise OriginError("unreachable", _resent(said, resent), faults.READ,
                                              tuple(attempts.failed)) from None
                        resent.append(said)
                        _log_again(method, uri, headers, said)
                        continue
                    # no answer came on a connection kept from an earlier request: closed while idle?
                    if isinstance(exc, httpx.LocalProtocolError) or resent or budget.connected or not replay \
                            or not _closed(exc):
                        raise
                    resent.append(f"{where}: {_said(exc)}")
                    _log_again(method, uri, headers, resent[-1])
        except httpx.ConnectTimeout:
            raise OriginError("timeout", attempts.final(f"{where}: no connection within {target.connect_timeout:g} s"),
                              faults.COMM, tuple(attempts.failed)) from None
        except httpx.TimeoutException as exc:
            raise OriginError("timeout", _resent(f"{where} timed out ({type(exc).__name__})", resent), faults.COMM,
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
            if isinstance(exc, httpx.ConnectError):
                raise OriginError("unreachable", attempts.final(f"{where} unreachable: {reason(exc)}"), result,
                                  tuple(attempts.failed)) from None
            raise OriginError("unreachable", _resent(f"{where} unreachable: {_said(exc)}", resent), result,
                              tuple(attempts.failed)) from None
        except (BodyGone, httpx.StreamConsumed):  # not expected: a body is sent again only if kept (resendable)
            raise OriginError("unreachable", _resent(f"{where}: the origin refused the request unprocessed after "
                              f"its body was sent, and its body (streamed from the viewer, over {RECORDED_KIB} "
                              "KiB) was not kept to send again", resent), faults.READ,
                              tuple(attempts.failed)) from None
        except httpx.HTTPError as exc:
            raise OriginError("unreachable", _resent(f"{where} failed: {_said(exc)}", resent), faults.READ,
                              tuple(attempts.failed)) from None
        except (httpx.InvalidURL, UnicodeError, ValueError) as exc:  # a request we cannot put on the wire
            raise OriginError("unreachable", f"cannot send this request to {target.host}: {exc}", faults.WRITE) from None
        if isinstance(content, RecordedBody):
            content.release()
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
        headers = strip_hop_by_hop(raw_headers)
        return OriginResponse(
            status=response.status_code,
            headers=headers,
            transfer_encoding=_transfer_encoding(raw_headers, headers),
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
        raw = target_bytes(target.path + uri, querystring)
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
        raw_headers, response.headers = response.headers, strip_hop_by_hop(response.headers)
        response.transfer_encoding = _transfer_encoding(raw_headers, response.headers)
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
        h2_said = broken_off(exc)  # an RST_STREAM or GOAWAY: the answer ended, it was not invalid
        raise OriginError("unreachable", f"origin {target.host}:{target.port} broke off the body: "
                          f"{h2_said or _said(exc)}", faults.READ if h2_said else _result(exc)) from None
    finally:
        await closer()


def _said(exc: BaseException) -> str:
    """An exception in words, never empty: anyio's closed or broken stream says nothing itself."""
    text = str(exc)
    if text:
        return text
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
        return f"the connection ended before the answer ({type(exc).__name__})"
    return type(exc).__name__


def _resent(message: str, resent: list[str]) -> str:
    """A failure's message, saying why the request was sent again if it was."""
    if not resent:
        return message
    if len(resent) == 1:
        return f"{message} (sent a second time, on a new connection, after: {resent[0]})"
    return f"{message} (sent {len(resent) + 1} times, each on a new connection, after: {'; then '.join(resent)})"


def _log_again(method: str, uri: str, headers: list[tuple[str, str]], why: str) -> None:
    """A request sent again (on a new connection, unless only its stream was refused): a
    warning in the request's own log (`REQUEST_LOG`, as its failed connection attempts), and
    on the server's output with its request id (a failure of the last try is the request's
    own logged error)."""
    rid = next((v for k, v in headers if k.lower() == "x-amz-cf-id"), "-")
    log.warning("%s %s (request %s): %s; is sent again", method, uri, rid, why)
    note = REQUEST_LOG.get()
    if note is not None:
        note(f"{method} {uri}: {why}; is sent again")


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
