"""HTTP/2 origin pools (httpx/httpcore): one per keep-alive timeout and certificate setting,
bounded in number and age, whose connections count an origin's idle close as expiry and
read the answers an origin sends around its GOAWAY (`_H2Connection`).

The connection classes here override httpcore's internals, as httpcore 1.0.9 has them (the
version installed: pyproject pins httpx `<0.29`, which takes any `httpcore==1.*`, so a later
1.x may move them; tests/test_origin_h2_goaway.py drives them over a scripted socket)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any

import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import httpcore
import httpx
from h2.connection import ConnectionState
from hyperframe.frame import Frame, GoAwayFrame

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
    close in flight is sent again if it may be (attempts.py, `replayable`).

    Nor is a connection given a new request once the origin said GOAWAY on it, or allows no
    stream on it (SETTINGS_MAX_CONCURRENT_STREAMS 0, as Hypercorn says when it stops): httpcore
    still offered the latter, and each request on it failed at once ("Max outbound streams is
    0") until its keep-alive expiry. Both are read from httpcore's HTTP/2 connection (h2's
    state), here only."""

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        """Makes the connection as httpcore 1.0.9's `AsyncHTTPConnection.handle_async_request`
        does, an `_H2Connection` where it makes its HTTP/2 one, then lets it send (it finds the
        connection made)."""
        async with self._request_lock:
            if self._connection is None:
                try:
                    stream = await self._connect(request)
                    ssl_object = stream.get_extra_info("ssl_object")
                    h2_negotiated = ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2"
                    kind = _H2Connection if h2_negotiated or (self._http2 and not self._http1) \
                        else httpcore.AsyncHTTP11Connection
                    self._connection = kind(origin=self._origin, stream=stream, keepalive_expiry=self._keepalive_expiry)
                except BaseException:
                    self._connect_failed = True
                    raise
        return await super().handle_async_request(request)

    def is_available(self) -> bool:
        if not super().is_available():
            return False
        inner = self._connection
        return not isinstance(inner, httpcore.AsyncHTTP2Connection) or not _refuses_streams(inner)

    def has_expired(self) -> bool:
        if super().has_expired():
            return True
        inner = self._connection
        if not isinstance(inner, httpcore.AsyncHTTP2Connection) or not inner.is_idle():
            return False
        if not inner.is_available() or _refuses_streams(inner):  # failed, GOAWAY, no streams: takes no request
            return True
        stream = inner._network_stream
        return bool(stream.get_extra_info("is_readable"))


class _H2State(h2.connection.H2Connection):
    """h2's connection, which stays open after the origin's GOAWAY for the streams it may
    still finish (RFC 9113, 6.8): h2 closes at once, so a frame that came after the GOAWAY
    (an answer to a stream at or below its last stream id: nginx at `keepalive_requests`, any
    graceful shutdown) was a protocol error and the answer lost, and a request body, a
    WINDOW_UPDATE or a SETTINGS ack waiting to be written was dropped. No new stream may be
    opened after it, as before."""

    goaway = False  # the origin said GOAWAY

    def _receive_goaway_frame(self, frame: GoAwayFrame) -> tuple[list[Frame], list[h2.events.Event]]:
        if self.state_machine.state is not ConnectionState.CLIENT_OPEN:
            return super()._receive_goaway_frame(frame)
        self.goaway = True
        said = h2.events.ConnectionTerminated()
        try:
            said.error_code = h2.errors.ErrorCodes(frame.error_code)
        except ValueError:  # a code h2 does not know: the number, as h2 gives it
            said.error_code = frame.error_code
        said.last_stream_id = frame.last_stream_id
        said.additional_data = frame.additional_data or None
        return [], [said]

    def send_headers(self, stream_id: int, *args: Any, **kwargs: Any) -> None:
        if self.goaway and stream_id not in self.streams:
            raise h2.exceptions.ProtocolError("the origin said GOAWAY: no new stream")
        super().send_headers(stream_id, *args, **kwargs)


class _H2Connection(httpcore.AsyncHTTP2Connection):
    """httpcore's HTTP/2 connection, which reads the answers an origin still sends after its
    GOAWAY, and never drops an answer that came for a failure the connection met after it.

    httpcore (1.0.9) failed every stream waiting on the connection as soon as it read a
    GOAWAY, and h2 refused every frame after it (`_H2State`): an answer to a stream at or
    below the GOAWAY's last stream id was lost unless it came before the GOAWAY, and the
    request failed "before any answer" (a POST, a 502; a GET, sent again and processed
    twice). Here such a stream reads on until its answer ends or the connection does (then it
    fails for the GOAWAY, h2ended.py: perhaps processed); a stream above the last stream id
    fails at once for it (not processed: the edge sends it again, http.py), rather than
    httpcore moving it to another connection by itself, unbounded and unlogged.

    And a failure to write what reading asks for (an acknowledgement: WINDOW_UPDATE, SETTINGS
    or PING ack), or one stored from another stream's write (httpcore raises it on every later
    write: an origin that closed right after its GOAWAY made the edge's next write fail), no
    longer fails a stream whose answer was read: the next read or send meets the connection's
    end. A send or read that fails after a GOAWAY fails for the GOAWAY, which tells whether
    the origin processed the stream.

    An origin that says GOAWAY with a stream it took and never answers it (Hypercorn at
    `keep_alive_max_requests`: h2, serving, can send nothing after its own GOAWAY) leaves the
    stream waiting until it closes the connection (Hypercorn: when idle for its
    `keep_alive_timeout`) or the origin's read timeout, as any HTTP/2 client that honours
    the GOAWAY waits. (A PING to make such an origin close sooner was tried: Hypercorn then
    failed the connection's close, and its own shutdown hung.)"""

    def __init__(self, origin: httpcore.Origin, stream: Any, keepalive_expiry: float | None = None) -> None:
        super().__init__(origin=origin, stream=stream, keepalive_expiry=keepalive_expiry)
        self._h2_state = _H2State(config=self.CONFIG)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        try:
            return await super().handle_async_request(request)
        except (httpcore.ReadError, httpcore.WriteError) as exc:
            if self._connection_terminated is None:
                raise
            raise httpcore.RemoteProtocolError(self._connection_terminated) from exc

    async def _receive_events(self, request: httpcore.Request, stream_id: int | None = None,
                              flow_for: int | None = None) -> None:
        """httpcore 1.0.9's, but for the GOAWAY and the acknowledgements (the class docstring).
        `flow_for`: the stream waiting for a window (`_wait_for_outgoing_flow`), which reads for
        any stream's events but fails as one of its own would for a GOAWAY."""
        own = stream_id if stream_id is not None else flow_for
        self._check_refused(own)  # not after another stream's read, which may wait for its answer
        async with self._read_lock:
            self._check_refused(own)  # the read it waited for may have brought the GOAWAY
            if stream_id is not None and self._events.get(stream_id):
                return  # another stream's read brought this one's events: it takes them first
            said = self._connection_terminated
            if said is not None:  # read on only for a stream it lets finish (or, flow control, any)
                last = said.last_stream_id
                if not (self._waiting(last) if stream_id is None else stream_id <= last):
                    raise httpcore.RemoteProtocolError(said)
            try:
                events = await self._read_incoming_data(request)
            except (httpcore.RemoteProtocolError, httpcore.ReadError) as exc:
                if self._connection_terminated is None:
                    raise
                raise httpcore.RemoteProtocolError(self._connection_terminated) from exc
            for event in events:
                if isinstance(event, h2.events.RemoteSettingsChanged):
                    await self._receive_remote_settings_change(event)
                elif isinstance(event, (h2.events.ResponseReceived, h2.events.DataReceived,
                                        h2.events.StreamEnded, h2.events.StreamReset)):
                    if event.stream_id in self._events:
                        self._events[event.stream_id].append(event)
                elif isinstance(event, h2.events.ConnectionTerminated):
                    self._goaway(event)
        await self._write_acknowledgements(request)

    def _check_refused(self, stream_id: int | None) -> None:
        """A stream above a GOAWAY's last stream id fails for the GOAWAY at once: the origin did
        not process it and never will (its events, if any came, are taken first)."""
        said = self._connection_terminated
        if (said is not None and stream_id is not None and stream_id > said.last_stream_id
                and not self._events.get(stream_id)):
            raise httpcore.RemoteProtocolError(said)

    async def _wait_for_outgoing_flow(self, request: httpcore.Request, stream_id: int) -> int:
        """httpcore 1.0.9's, but a stream above a GOAWAY's last stream id waits for no window: the
        origin will never open it, and reading on for other streams' answers would keep the
        request from being sent again, or fail it with their read timeout (a 504 for a request
        never processed)."""
        while True:
            self._check_refused(stream_id)
            flow = min(self._h2_state.local_flow_control_window(stream_id), self._h2_state.max_outbound_frame_size)
            if flow:
                return flow
            await self._receive_events(request, flow_for=stream_id)

    def _goaway(self, said: h2.events.ConnectionTerminated) -> None:
        """The origin said GOAWAY: a later one counts only if it lowers the last stream id
        (RFC 9113, 6.8), so the log names the first's code, not a closing PROTOCOL_ERROR's."""
        first = self._connection_terminated
        if first is None or said.last_stream_id < first.last_stream_id:
            self._connection_terminated = said

    def _waiting(self, last: int) -> bool:
        """Does a stream at or below `last` still wait for (the rest of) its answer?"""
        streams = self._h2_state.streams
        return any(sid <= last and sid in streams and not streams[sid].closed for sid in self._events)

    async def _receive_response_body(self, request: httpcore.Request, stream_id: int) -> AsyncIterator[bytes]:
        """httpcore 1.0.9's, but for the acknowledgement's write (the class docstring)."""
        while True:
            event = await self._receive_stream_event(request, stream_id)
            if isinstance(event, h2.events.DataReceived):
                self._h2_state.acknowledge_received_data(event.flow_controlled_length, stream_id)
                await self._write_acknowledgements(request)
                yield event.data
            elif isinstance(event, h2.events.StreamEnded):
                break

    async def _write_acknowledgements(self, request: httpcore.Request) -> None:
        """What reading made h2 send: a failure to write it is left for the next read or send."""
        with contextlib.suppress(httpcore.WriteError):
            await self._write_outgoing_data(request)


def _refuses_streams(connection: httpcore.AsyncHTTP2Connection) -> bool:
    """The origin said GOAWAY on this connection, or allows no stream on it."""
    if connection._connection_terminated is not None:
        return True
    return connection._h2_state.remote_settings.max_concurrent_streams == 0


class StalePool(httpcore.AsyncConnectionPool):
    """httpcore's pool, making `_StaleConnection`s."""

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        return _StaleConnection(
            origin=origin, ssl_context=self._ssl_context, keepalive_expiry=self._keepalive_expiry,
            http1=self._http1, http2=self._http2, retries=self._retries, local_address=self._local_address,
            uds=self._uds, network_backend=self._network_backend, socket_options=self._socket_options,
        )
