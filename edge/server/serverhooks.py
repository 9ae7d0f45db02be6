"""What only an ASGI server's own HTTP/1 parser or connection handling can do, per server.

The app-level checks are edge/server/guard.py; these are the few places each server leaves
no setting for, hooked narrowly (the versions are pinned in pyproject.toml):

- **Hypercorn (h11)**: chunk sizes beyond a signed 64-bit length are refused (400, closed)
  instead of being waited for; bytes pipelined after a request that closes its connection
  (HTTP/1.0 without keep-alive, `Connection: close`) are ignored as RFC 9112, section 9.6 asks,
  instead of failing the request before them with 400; each worker holds at most
  `max_connections` open connections, and at most `max_connections_per_address` from one
  client address (beyond either: 503 and close, logged and counted as CapacityExceeded; a
  connection the client closed frees its place at once, not when Hypercorn's keep-alive timer
  would have ended); and each request on a TLS connection has
  ASGI's `tls` scope extension (version and cipher suite, for the access log's ssl_protocol
  and ssl_cipher), which Hypercorn leaves out: read from the connection's SSL object once,
  when it is accepted.
- **uvicorn (httptools)**: an unsupported HTTP version is answered 505, not 400. Open
  connections are bounded with uvicorn's own `limit_concurrency`; a connection beyond
  `max_connections_per_address` gets uvicorn's 503 for its request and is closed (unanswered
  when none comes within BUSY_READ_SECONDS, at once when MAX_REFUSING are being refused).
- **Granian (hyper)**: the worker's drain starts on Granian's own stop signal. Granian's
  parser answers unsupported versions and broken chunked framing itself (400, closed), and
  keeps the `backpressure` bound on open connections (one beyond waits unaccepted; reaper.py
  keeps slots free and enforces the per-address cap). It gives an app nothing of a
  connection's TLS (no `tls` extension, no transport to read it from). Its main process's
  signal handlers set a `threading.Event` from the handler, which deadlocks when a second signal (or the
  first, landing while the main thread holds that event's lock) interrupts it: they hand the
  `set()` to a short thread instead (`calm_granian_signals`), and act on a signal that
  another thread of the main process took at once (signal_relay.py). A worker that a stop signal to
  the process group kills while it is still booting (before its own handlers exist) is part
  of the stop, not a crash (`quiet_stopped_workers`); one that dies on its own is replaced
  (Granian's `respawn_failed_workers`, set in servers.py), at once or after a back-off, or the
  server stops with status 1 when the worker could never boot: respawn.py's rule, which
  supervisor.py follows too.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import signal
import time
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

from .reaper import address_key
from .signal_relay import relay_signals

log = logging.getLogger("edge.server")

# What a Granian main process sends its workers on a second SIGINT: end the grace period now.
HURRY_SIGNAL = signal.SIGUSR1

MAX_CHUNK_BYTES = 2**63 - 1  # what a signed 64-bit length holds (as Go and llhttp refuse beyond)
BUSY_BODY = b"503 Service Unavailable: too many connections\r\n"
BUSY_HEADERS = [(b"content-type", b"text/plain"), (b"content-length", str(len(BUSY_BODY)).encode()),
                (b"retry-after", b"1")]
BUSY_SENTENCE = "The server has too many connections open. Try again shortly."
BUSY_READ_SECONDS = 0.5  # how long a refused connection's request is waited for
# Refusals answered at once; past this many (a flood of connections beyond the bound), the next
# are closed unanswered and unlogged: each answered one holds its socket up to ~1.5 s
MAX_REFUSING = 64
_refusing = 0
_per_address: dict[str, int] = {}  # open connections per client address (address_key), where counted here

_installed: set[str] = set()


def install_h11_hooks() -> None:
    """Process-wide, idempotent: only server-side reading of client messages changes."""
    if "h11" in _installed:
        return
    _installed.add("h11")
    import h11
    from h11 import _readers

    class BoundedChunkedReader(_readers.ChunkedReader):
        def __call__(self, buf):  # type: ignore[no-untyped-def]
            event = super().__call__(buf)
            if self._bytes_in_chunk > MAX_CHUNK_BYTES:
                raise h11.LocalProtocolError("chunk size too large", error_status_hint=400)
            return event

    def ignore_after_close(buf):  # type: ignore[no-untyped-def]
        """The client must close: whatever else it sent is not read as requests."""
        buf.maybe_extract_at_most(len(buf))
        return None

    _readers.READERS[_readers.SEND_BODY]["chunked"] = BoundedChunkedReader  # type: ignore[index]
    _readers.READERS[(h11.CLIENT, h11.MUST_CLOSE)] = ignore_after_close


def install_hypercorn_hooks() -> None:
    """Hypercorn's asyncio workers count open connections per app (the Guard's limit)."""
    install_h11_hooks()
    if "hypercorn" in _installed:
        return
    _installed.add("hypercorn")
    from hypercorn.asyncio import run as hypercorn_run
    from hypercorn.asyncio.tcp_server import TCPServer
    from hypercorn.events import Updated

    from ..ops.accesslog import tls_extension

    class BoundedTCPServer(TCPServer):
        async def run(self) -> None:
            guard = _guard_of(self.app)
            ssl_object = self.writer.get_extra_info("ssl_object")  # the handshake is done by now
            tls = tls_extension(ssl_object) if ssl_object is not None else None
            if tls is not None:  # once per connection; each request's scope gets the same dict
                self.app = WithTls(self.app, tls)
            if guard is None:
                await super().run()
                return
            if guard.connections >= guard.limits.max_connections:
                await _refuse(self.writer, self.reader, guard, tls)
                return
            address, over = _take_address(self.writer.get_extra_info("sockname"),
                                          self.writer.get_extra_info("peername"))
            if over:
                await _refuse(self.writer, self.reader, guard, tls)
                return
            guard.connections += 1
            try:
                await super().run()
            finally:
                guard.connections -= 1
                if address is not None:
                    _release_address(address)

        async def _read_data(self) -> None:
            await super()._read_data()
            # The client is gone (or its read failed): stop the keep-alive timer now. Hypercorn
            # leaves it running, and run() waits for it (its task group) before it closes the
            # socket, so each closed connection held one of `max_connections` for up to 5 s.
            self.edge_read_done = True
            await self.idle_task.stop()

        async def protocol_send(self, event: Any) -> None:
            # ...and never starts it again: a request still running when the client left would,
            # when it ends, start a new timer that run() waits for (or, with its task group
            # already finished, fail to: "coroutine '_idle_timeout' was never awaited")
            if isinstance(event, Updated) and event.idle and getattr(self, "edge_read_done", False):
                return
            await super().protocol_send(event)

    hypercorn_run.TCPServer = BoundedTCPServer  # type: ignore[misc]
    _hypercorn_ascii_handshakes()


def _hypercorn_ascii_handshakes() -> None:
    """A WebSocket handshake whose Connection or Sec-WebSocket-Protocol/-Extensions value is not
    ASCII made wsproto raise inside Hypercorn, before the app: a traceback in the log for every
    such request (a viewer could flood it) and no answer. It is an invalid handshake (400)."""
    from hypercorn.protocol import ws_stream

    class Handshake(ws_stream.Handshake):  # type: ignore[misc]
        def __init__(self, headers: list[tuple[bytes, bytes]], http_version: str) -> None:
            try:
                super().__init__(headers, http_version)
            except UnicodeDecodeError:
                ascii_only = [(n, v) for n, v in headers if v.isascii()]
                super().__init__(ascii_only, http_version)
                self.key = None  # never valid: Hypercorn answers 400

    ws_stream.Handshake = Handshake  # type: ignore[misc]


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = 0  # per worker process (0: not known here)
    per_address: int = 0  # per client address and worker process (0: no cap)
    admin_port: int | None = None  # the admin listener's connections are not capped per address


@functools.cache
def connection_limits() -> ConnectionLimits:
    """This worker's connection limits, from `edge serve`'s options (none without them: an app a
    test serves itself). Behind trusted proxies (--proxy-hops) there is no cap per address:
    every connection comes from a proxy, and each carries the requests of many viewers."""
    from .options_env import OPTIONS_ENV

    raw = os.environ.get(OPTIONS_ENV)
    if not raw:
        return ConnectionLimits()
    options = json.loads(raw)
    per_address = 0 if options.get("proxy_hops") else int(options.get("max_connections_per_address") or 0)
    return ConnectionLimits(int(options.get("max_connections") or 0), per_address, options.get("admin_port"))


def _take_address(own: Any, peer: Any) -> tuple[str | None, bool]:
    """A new connection's client address as the per-address cap counts it (None: not counted:
    no cap, the admin listener, no address), and whether that address is at its cap already.
    One within its cap is counted now: `_release_address` when the connection ends."""
    limits = connection_limits()
    if not limits.per_address or not own or not peer or own[1] == limits.admin_port:
        return None, False
    key = address_key(str(peer[0]))
    held = _per_address.get(key, 0)
    if held >= limits.per_address:
        return key, True
    _per_address[key] = held + 1
    return key, False


def _release_address(key: str) -> None:
    held = _per_address.get(key, 0) - 1
    if held > 0:
        _per_address[key] = held
    else:
        _per_address.pop(key, None)


def _guard_of(app: Any) -> Any:
    from .guard import Guard

    for _ in range(4):  # Hypercorn's ASGIWrapper -> our Guard
        if isinstance(app, Guard):
            return app
        app = getattr(app, "app", None)
    return None


class WithTls:
    """Hypercorn's app for one TLS connection: each request's (and WebSocket's) scope gets the
    connection's `tls` extension (accesslog.tls_extension), made once when it was accepted."""

    __slots__ = ("app", "tls")

    def __init__(self, app: Any, tls: dict[str, Any]) -> None:
        self.app = app
        self.tls = tls

    async def __call__(self, scope: Any, receive: Any, send: Any, sync_spawn: Any, call_soon: Any) -> None:
        extensions = scope.get("extensions")
        if extensions is None:
            scope["extensions"] = {"tls": self.tls}
        else:
            extensions["tls"] = self.tls
        await self.app(scope, receive, send, sync_spawn, call_soon)


async def _refuse(writer: asyncio.StreamWriter, reader: asyncio.StreamReader, guard: Any,
                  tls: dict[str, Any] | None = None) -> None:
    """Beyond the bound: read the client's first request (briefly), answer it 503 (HTTP/1 or,
    after ALPN's h2, HTTP/2), close; counted and logged as the guard's refusals are
    (CapacityExceeded, guard.record), under the X-Amz-Cf-Id the answer carried. At most
    MAX_REFUSING at a time: the rest are closed at once."""
    global _refusing
    if _refusing >= MAX_REFUSING:
        writer.close()
        return
    _refusing += 1
    try:
        await _answer_refused(writer, reader, guard, tls)
    finally:
        _refusing -= 1


async def _answer_refused(writer: asyncio.StreamWriter, reader: asyncio.StreamReader, guard: Any,
                          tls: dict[str, Any] | None) -> None:
    from ..ops.results import CAPACITY_EXCEEDED
    from ..pipeline.events import new_request_id

    started = time.perf_counter()
    ssl = writer.get_extra_info("ssl_object")
    h2 = ssl is not None and ssl.selected_alpn_protocol() == "h2"
    peer, own = writer.get_extra_info("peername"), writer.get_extra_info("sockname")
    scope: dict[str, Any] = {
        "type": "http", "method": "", "path": "", "raw_path": b"", "query_string": b"", "headers": [],
        "http_version": "2" if h2 else "1.1", "scheme": "https" if ssl is not None else "http",
        "client": tuple(peer[:2]) if peer else None, "server": tuple(own[:2]) if own else None,
        "extensions": {"tls": tls} if tls else {},
    }
    request_id = new_request_id() if guard.recorder(scope) is not None else None  # the edge listener's
    sent = 0
    try:
        if h2:
            sent = await _refuse_h2(writer, reader, scope, lambda: _busy_answer(guard, scope, request_id, h2=True))
        else:
            with contextlib.suppress(asyncio.TimeoutError):
                _read_h1_head(await asyncio.wait_for(reader.read(65536), BUSY_READ_SECONDS), scope)
            headers, body = _busy_answer(guard, scope, request_id, h2=False)
            writer.write(b"HTTP/1.1 503 Service Unavailable\r\n"
                         + b"".join(name + b": " + value + b"\r\n" for name, value in headers)
                         + b"connection: close\r\n\r\n" + body)
            sent = len(body)
            await asyncio.wait_for(writer.drain(), 1.0)
    except (OSError, asyncio.TimeoutError, RuntimeError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)
    if request_id is not None:
        guard.record(scope, 503, CAPACITY_EXCEEDED, sent, started, request_id)


def _busy_answer(guard: Any, scope: dict[str, Any], request_id: str | None, *, h2: bool
                 ) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The 503's headers (without `Connection`) and body: on the edge listener the edge's own
    error page, as every other error the edge makes (its detail recorded under `request_id`,
    guard_page.py); on the admin listener plain text."""
    if request_id is None:
        return BUSY_HEADERS, BUSY_BODY
    from . import guard_page

    state = getattr(getattr(guard.app, "handler", None), "state", None)
    path = (scope.get("raw_path") or b"").decode("latin-1") or "(no request read)"
    detail = (f"{scope.get('method') or '-'} {path}: this worker had as many connections open as it takes "
              f"(--max-connections, or --max-connections-per-address from one client address); the connection "
              f"was answered and closed")
    start, body = guard_page.refusal_page(state, scope, 503, request_id, BUSY_SENTENCE, detail, http1=not h2,
                                          retry_after=1)
    return [(k, v) for k, v in start["headers"] if k != b"connection"], body["body"]


def _read_h1_head(data: bytes, scope: dict[str, Any]) -> None:
    """The request line and headers of a refused connection's first HTTP/1 request, into
    `scope` (for its access-log line); what cannot be read stays empty."""
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    parts = head[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/"):
        return
    path, _, query = parts[1].partition(b"?")
    scope.update(method=parts[0].decode("latin-1"), raw_path=path, query_string=query,
                 http_version=parts[2][5:].decode("latin-1"))
    for line in head[1:]:
        name, colon, value = line.partition(b":")
        if colon:
            scope["headers"].append((name.strip().lower(), value.strip()))


async def _refuse_h2(writer: asyncio.StreamWriter, reader: asyncio.StreamReader, scope: dict[str, Any],
                     answer: Callable[[], tuple[list[tuple[bytes, bytes]], bytes]]) -> int:
    """The 503 on an HTTP/2 connection: its first stream is answered, the connection ends with
    GOAWAY (streams after it were not processed: a client may retry them). The body bytes sent."""
    import h2.config
    import h2.connection
    import h2.events
    import h2.exceptions

    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding=None))
    conn.initiate_connection()
    writer.write(conn.data_to_send())
    request = None
    deadline = time.monotonic() + BUSY_READ_SECONDS
    try:
        while request is None and (left := deadline - time.monotonic()) > 0:
            data = await asyncio.wait_for(reader.read(65536), left)
            if not data:
                break
            request = next((e for e in conn.receive_data(data) if isinstance(e, h2.events.RequestReceived)), None)
    except (asyncio.TimeoutError, h2.exceptions.ProtocolError):
        pass
    sent = 0
    try:
        if request is not None:
            fields = [(bytes(k), bytes(v)) for k, v in request.headers or ()]
            pseudo = {k: v for k, v in fields if k.startswith(b":")}
            path, _, query = pseudo.get(b":path", b"").partition(b"?")
            scope.update(method=pseudo.get(b":method", b"").decode("latin-1"), raw_path=path, query_string=query,
                         headers=[(b"host", pseudo[b":authority"])] * (b":authority" in pseudo)
                         + [(k, v) for k, v in fields if not k.startswith(b":")])
            headers, body = answer()  # once the request is known (its path, for the page's detail)
            conn.send_headers(request.stream_id, [(b":status", b"503"), *headers])
            conn.send_data(request.stream_id, body, end_stream=True)
            sent = len(body)
        conn.close_connection(last_stream_id=request.stream_id if request is not None else 0)
    except h2.exceptions.ProtocolError:  # the client reset the stream or broke the protocol: nothing more
        pass
    writer.write(conn.data_to_send())
    await asyncio.wait_for(writer.drain(), 1.0)
    return sent


# -- uvicorn -----------------------------------------------------------------------------------


@functools.cache
def uvicorn_protocol() -> type:
    """httptools' protocol, answering 505 for a version it cannot parse."""
    import httptools
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class EdgeHttpToolsProtocol(HttpToolsProtocol):
        edge_address: str | None = None  # counted against the per-address cap
        edge_refused = False  # beyond it: one of the refusals in progress (MAX_REFUSING)

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.edge_address, over = _take_address(self.server, self.client)
            if over:
                self.edge_address = None
                self._refuse()

        def _refuse(self) -> None:
            """Beyond the address's cap: its first request gets uvicorn's own 503 (a limit of 0 for
            this connection), which closes it. Not one of uvicorn's connections meanwhile (they
            count towards everyone's limit)."""
            global _refusing
            self.connections.discard(self)
            if _refusing >= MAX_REFUSING:
                self.transport.close()
                return
            _refusing += 1
            self.edge_refused = True
            self.limit_concurrency = 0
            self.loop.call_later(BUSY_READ_SECONDS, self._close_unanswered)

        def _close_unanswered(self) -> None:
            if self.cycle is None:  # no request came: nothing to answer
                self.transport.close()

        def connection_lost(self, exc: Exception | None) -> None:
            global _refusing
            super().connection_lost(exc)
            if self.edge_address is not None:
                _release_address(self.edge_address)
                self.edge_address = None
            if self.edge_refused:
                self.edge_refused = False
                _refusing -= 1

        def data_received(self, data: bytes) -> None:
            self._unset_keepalive_if_required()
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError as exc:
                if "version" in str(exc).lower():
                    body = b"505 HTTP Version Not Supported: use HTTP/1.1\n"
                    self.transport.write(
                        b"HTTP/1.1 505 HTTP Version Not Supported\r\ncontent-type: text/plain; charset=utf-8\r\n"
                        b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body
                    )
                    self.transport.close()
                    return
                msg = "Invalid HTTP request received."
                self.logger.warning(msg)
                self.send_400_response(msg)
            except httptools.HttpParserUpgrade:
                if self._should_upgrade():
                    self.handle_websocket_upgrade()
                else:
                    self._unsupported_upgrade_warning()

    return EdgeHttpToolsProtocol


@functools.cache
def uvicorn_server() -> type:
    """uvicorn's Server, draining (edge/server/drain.py) before it shuts down: uvicorn would
    close its listeners at the signal, leaving `/readyz` unanswered and, with several
    workers, new connections queued on a socket nobody reads any more."""
    import signal

    import uvicorn

    from .drain import process_drain

    class EdgeUvicornServer(uvicorn.Server):
        _loop: asyncio.AbstractEventLoop | None = None
        _draining = False

        idle_reaper_port: int | None = None

        async def serve(self, sockets: Any = None) -> None:
            self._loop = asyncio.get_running_loop()
            await super().serve(sockets)

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            drain = process_drain()
            if self.idle_reaper_port and drain is not None:
                from .reaper import reap_idle_connections

                # uvicorn's limit refuses with 503 beyond the bound: idle connections close sooner near it
                reap_idle_connections(self.idle_reaper_port, drain, max_connections=connection_limits().max_connections)

        def handle_exit(self, sig: int, frame: Any) -> None:
            drain = process_drain()
            if self._loop is None or drain is None or not self.started:
                super().handle_exit(sig, frame)  # not serving yet: stop at once
                return
            if self._draining:
                if sig == signal.SIGINT:  # a second Ctrl-C: cut what is still running now
                    self._loop.call_soon_threadsafe(drain.hurry)
                return
            self._draining = True
            self._loop.call_soon_threadsafe(self._begin, drain)

        def _begin(self, drain: Any) -> None:
            drain.begin()

            async def then_exit() -> None:
                await drain.finished()
                self.should_exit = True

            self._drain_task = asyncio.ensure_future(then_exit())

    return EdgeUvicornServer


UVICORN_PROTOCOL = "edge.server.serverhooks:EdgeHttpToolsProtocol"  # for uvicorn.Config(http=...)


def __getattr__(name: str) -> Any:  # built on first use: uvicorn is optional
    if name == "EdgeHttpToolsProtocol":
        return uvicorn_protocol()
    raise AttributeError(name)


# -- granian -----------------------------------------------------------------------------------


def install_granian_hooks() -> None:
    """Start the worker's drain when Granian's worker gets its stop signal (Granian then
    stops accepting and waits for requests in flight, which the drain bounds)."""
    if "granian" in _installed:
        return
    _installed.add("granian")
    from granian import _signals

    original = _signals.set_loop_signals

    def set_loop_signals(loop):  # type: ignore[no-untyped-def]
        event = original(loop)
        signalled: list[int] = []

        def on_signal(signum: int, frame: Any) -> None:  # Granian's handler sets the event; and ours
            from .drain import process_drain

            drain = process_drain()
            if not signalled:  # once: a second WorkerSignal.set() blocks until the first is taken,
                event.set()  # and a worker gets SIGTERM twice (process group + master)
            # A second Ctrl-C cuts what is still running: a second SIGINT (the group's: the first
            # came with the main process's SIGTERM, in either order), or HURRY from the main process
            hurried = signum == HURRY_SIGNAL or (signum == signal.SIGINT and signal.SIGINT in signalled)
            signalled.append(signum)
            if drain is not None:
                drain.begin()
                if hurried:
                    drain.hurry()

        for signum in (*_signals._get_signals(), HURRY_SIGNAL):
            loop.add_signal_handler(signum, on_signal, signum, None)
        return event

    # SIGHUP from the main process (log rotation) must never end a worker: ignored until the
    # app's lifespan installs its access log's reopen (app._reopen_on_sighup), and without one
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    _signals.set_loop_signals = set_loop_signals


def calm_granian_signals(server: Any) -> None:
    """Granian's main process stops when its signal handler sets `main_loop_interrupt`, a
    `threading.Event`. `Event.set()` takes a lock, and a handler runs in the main thread
    between bytecodes: a second SIGTERM arriving while the first handler is inside `set()`
    (kill of `timeout` and of edge at once, or process group plus parent), or the first one
    while the main thread is in `clear()`, blocks on that lock for ever. Here the flags are set
    at once and the event too when its lock is free (the usual case: the main loop must learn
    of the stop before the workers, signalled too, exit, or their exit reads as a crash);
    when the lock is held, a short thread sets it as soon as it is released."""

    def interrupt(*_: Any) -> None:
        server.interrupt_signal = True
        _wake(server.main_loop_interrupt)

    def workers(signum: int, *, booted_only: bool = False) -> None:
        """Send `signum` to every live worker (only to those that reported they booted)."""
        from .readiness import worker_booted

        for worker in list(getattr(server, "wrks", ())):
            inner = getattr(worker, "inner", None)
            pid = getattr(inner, "pid", None)
            if pid is None or not inner.is_alive() or (booted_only and not worker_booted(pid, wait=0)):
                continue
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def hangup(*_: Any) -> None:
        """SIGHUP (log rotation, systemd's ExecReload) reaches each booted worker, which reopens
        its access log, as under the other servers. Not Granian's own reload, which restarted
        every worker: it emptied their caches on each rotation, and a certificate renewed with
        the wrong key made new workers panic with the old ones gone (certificates are read at
        start, after their check). A worker still booting opens its log anew anyway."""
        workers(signal.SIGHUP, booted_only=True)

    interrupts = [0]

    def count(signum: int) -> None:
        """A second SIGINT to the main process (alone, or with its group) reaches the workers as
        HURRY_SIGNAL: their drain ends its grace period at once ("a second Ctrl-C cuts")."""
        if signum != signal.SIGINT:
            return
        interrupts[0] += 1
        if interrupts[0] >= 2:
            workers(HURRY_SIGNAL)

    server.signal_handler_interrupt = interrupt
    # a signal another thread takes must not wait for the main thread: the relay acts on it (and
    # hangs up once per SIGHUP); the Python handler only where the relay could not be set up
    relayed = relay_signals(interrupt, hangup, count)
    server.signal_handler_reload = (lambda *_: None) if relayed else hangup
    quiet_stopped_workers(server)


STOP_SIGNAL_WAIT = 3.0  # how long a worker's watcher waits for the main process's own stop signal


def quiet_stopped_workers(server: Any) -> None:
    """`docker stop` or systemd signal the whole process group: a worker still booting dies of
    the signal at once, and Granian's watcher thread can see that before the main thread has
    run its own handler, logging "Unexpected exit" and exiting 1 as for a crash. Here a
    watcher that sees a worker exit waits briefly for the main process's stop signal; when it
    comes, the exit was part of the stop. A real crash is reported ("Unexpected exit") and the
    worker replaced up to three seconds later (one was not always enough for a main process
    starting its workers on a loaded machine), or later still, or the node stops, as
    respawn.py decides."""
    spawn = server._spawn_worker

    def spawn_quietly(*args: Any, **kwargs: Any) -> Any:
        worker = spawn(*args, **kwargs)
        worker._watcher = functools.partial(_watch_worker, server, worker, worker._watcher)
        return worker

    server._spawn_worker = spawn_quietly


def _watch_worker(server: Any, worker: Any, granians_watcher: Any) -> None:
    import signal
    import time

    from ..ops import metrics
    from .respawn import Respawn, sleep_unless

    worker.inner.join()
    code = worker.inner.exitcode
    killed = code is not None and code < 0 and -code not in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    if not killed:  # SIGKILL, SIGSEGV, ... are never part of a stop: no need to wait for one
        deadline = time.monotonic() + STOP_SIGNAL_WAIT
        while not worker.interrupt_by_parent and not server.interrupt_signal and time.monotonic() < deadline:
            time.sleep(0.01)
    if server.interrupt_signal:
        worker.interrupt_by_parent = True
    elif not worker.interrupt_by_parent and worker.inner.pid is not None:  # died on its own (not a reload)
        metrics.worker_died(worker.inner.pid)  # its live gauges stop counting
        respawn = server.__dict__.setdefault("_edge_respawn", Respawn())
        delay = respawn.after_death(worker.idx, worker.inner.pid, worker.birth, code)  # logs its decision
        if delay is None:
            server.respawned_wrks[worker.idx] = time.monotonic()  # Granian's own crash-loop check then stops
        else:
            server.respawned_wrks.pop(worker.idx, None)  # not a crash loop to Granian: replace it
            if not sleep_unless(delay, lambda: bool(server.interrupt_signal)):
                worker.interrupt_by_parent = True  # the node stops meanwhile: nothing to replace
    granians_watcher()  # the worker has exited: its join returns at once


def _wake(event: Any) -> None:
    """`event.set()` that never blocks the calling (signal-handling) thread."""
    import threading

    cond = event._cond
    if cond._lock.acquire(blocking=False):  # free: set it now, as Event.set() does
        try:
            event._flag = True
            cond.notify_all()
        finally:
            cond._lock.release()
    else:  # held, maybe by this very thread interrupted inside set() or clear()
        threading.Thread(target=event.set, name="granian-stop-signal", daemon=True).start()
