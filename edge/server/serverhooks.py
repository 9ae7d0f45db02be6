"""What only an ASGI server's own HTTP/1 parser or connection handling can do, per server.

The app-level checks are edge/server/guard.py; these are the few places each server leaves
no setting for, hooked narrowly (the versions are pinned in pyproject.toml):

- **Hypercorn (h11)**: chunk sizes beyond a signed 64-bit length are refused (400, closed)
  instead of being waited for; bytes pipelined after a request that closes its connection
  (HTTP/1.0 without keep-alive, `Connection: close`) are ignored as RFC 9112, section 9.6 asks,
  instead of failing the request before them with 400; and each worker holds at most
  `max_connections` open connections (beyond: 503 and close).
- **uvicorn (httptools)**: an unsupported HTTP version is answered 505, not 400. Open
  connections are bounded with uvicorn's own `limit_concurrency`.
- **Granian (hyper)**: the worker's drain starts on Granian's own stop signal. Granian's
  parser answers unsupported versions and broken chunked framing itself (400, closed), and
  keeps the `backpressure` bound on requests in flight. Its main process's signal handlers
  set a `threading.Event` from the handler, which deadlocks when a second signal (or the
  first, landing while the main thread holds that event's lock) interrupts it: they hand the
  `set()` to a short thread instead (`calm_granian_signals`), and act on a signal that
  another thread of the main process took at once (signal_relay.py). A worker that a stop signal to
  the process group kills while it is still booting (before its own handlers exist) is part
  of the stop, not a crash (`quiet_stopped_workers`); one that dies on its own is replaced
  (Granian's `respawn_failed_workers`, set in servers.py), unless it dies within 10 s of its
  start (a crash loop: the server stops with status 1, as supervisor.py does).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

from .signal_relay import relay_signals

log = logging.getLogger("edge.server")

MAX_CHUNK_BYTES = 2**63 - 1  # what a signed 64-bit length holds (as Go and llhttp refuse beyond)
BUSY = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 47\r\n"
        b"retry-after: 1\r\nconnection: close\r\n\r\n503 Service Unavailable: too many connections\r\n")

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

    class BoundedTCPServer(TCPServer):
        async def run(self) -> None:
            guard = _guard_of(self.app)
            if guard is None:
                await super().run()
                return
            if guard.connections >= guard.limits.max_connections:
                await _refuse(self.writer, self.reader)
                return
            guard.connections += 1
            try:
                await super().run()
            finally:
                guard.connections -= 1

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


def _guard_of(app: Any) -> Any:
    from .guard import Guard

    for _ in range(4):  # Hypercorn's ASGIWrapper -> our Guard
        if isinstance(app, Guard):
            return app
        app = getattr(app, "app", None)
    return None


async def _refuse(writer: asyncio.StreamWriter, reader: asyncio.StreamReader) -> None:
    """Beyond the bound: read what the client sent (briefly), answer 503, close."""
    ssl = writer.get_extra_info("ssl_object")
    try:
        if ssl is None or ssl.selected_alpn_protocol() != "h2":
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(reader.read(65536), 0.5)
            writer.write(BUSY)
            await asyncio.wait_for(writer.drain(), 1.0)
    except (OSError, asyncio.TimeoutError, RuntimeError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


# -- uvicorn -----------------------------------------------------------------------------------


@functools.cache
def uvicorn_protocol() -> type:
    """httptools' protocol, answering 505 for a version it cannot parse."""
    import httptools
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class EdgeHttpToolsProtocol(HttpToolsProtocol):
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

                reap_idle_connections(self.idle_reaper_port, drain)

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
        signalled = []

        def on_signal(signum: int, frame: Any) -> None:  # Granian's handler sets the event; and ours
            from .drain import process_drain

            if not signalled:  # once: a second WorkerSignal.set() blocks until the first is taken,
                signalled.append(signum)  # and a worker gets SIGTERM twice (process group + master)
                event.set()
            drain = process_drain()
            if drain is not None:
                drain.begin()

        for signum in _signals._get_signals():
            loop.add_signal_handler(signum, on_signal, signum, None)
        return event

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

    def reload(*_: Any) -> None:
        server.reload_signal = True
        _wake(server.main_loop_interrupt)

    server.signal_handler_interrupt = interrupt
    server.signal_handler_reload = reload
    relay_signals(interrupt, reload)  # a signal another thread takes must not wait for the main thread
    quiet_stopped_workers(server)


STOP_SIGNAL_WAIT = 3.0  # how long a worker's watcher waits for the main process's own stop signal


def quiet_stopped_workers(server: Any) -> None:
    """`docker stop` or systemd signal the whole process group: a worker still booting dies of
    the signal at once, and Granian's watcher thread can see that before the main thread has
    run its own handler, logging "Unexpected exit" and exiting 1 as for a crash. Here a
    watcher that sees a worker exit waits briefly for the main process's stop signal; when it
    comes, the exit was part of the stop. A real crash is reported ("Unexpected exit") and the
    worker replaced up to three seconds later (one was not always enough for a main process
    starting its workers on a loaded machine)."""
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
    from .supervisor import STARTUP_WINDOW

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
        how = f"signal {-code}" if code is not None and code < 0 else f"status {code}"
        if time.monotonic() - worker.birth < STARTUP_WINDOW:  # as supervisor.py: a crash loop, not a crash
            server.respawned_wrks[worker.idx] = time.monotonic()  # Granian's own crash-loop check then stops
            log.error("edge: worker-%d (pid %d) died (%s) within %g s of its start; the server stops",
                      worker.idx + 1, worker.inner.pid, how, STARTUP_WINDOW)
        else:
            log.warning("edge: worker-%d (pid %d) died (%s); a new one starts (if it dies within %g s of its "
                        "start, the server stops)", worker.idx + 1, worker.inner.pid, how, STARTUP_WINDOW)
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
