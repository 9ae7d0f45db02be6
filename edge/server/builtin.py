"""`--server builtin`: the app under edge/downstream's HTTP/1.1 server, one event loop per worker.

This process binds the edge and admin sockets and serves them itself (one worker) or hands
them to `--workers N` spawned workers under supervisor.py, as for uvicorn. TLS on the edge
listener when a certificate is given; the admin listener gets it too unless it is on loopback
(as under Hypercorn). A stop drains the app (edge/server/drain.py) with the listeners still
open, so new requests are answered 503; then the server stops (downstream/server.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import ssl
from typing import Any

from ..downstream import HttpServer, Lifespan, LifespanFailed
from .drain import process_drain
from .listeners import ListenerError, is_loopback, listen
from .state import ServerOptions
from .supervisor import supervise

log = logging.getLogger("edge.server")

FINAL_GRACE = 2.0  # after the drain, only idle connections and answers under way are left
Listeners = list[tuple[socket.socket, bool]]  # each socket, and whether it serves TLS


def run_builtin(options: ServerOptions, host: str, port: int, workers: int, certfile: str | None,
                keyfile: str | None, graceful_timeout: float, loop: str) -> int:
    tls = (certfile, keyfile) if certfile and keyfile else None
    if tls is not None:
        _tls_context(tls)  # a bad certificate or key: refused here, once, not in every worker
    sockets: Listeners = [(listen(host, port), tls is not None)]
    if options.admin_enabled:
        admin_host = options.admin_host or "127.0.0.1"
        sockets.append((listen(admin_host, options.admin_port), tls is not None and not is_loopback(admin_host)))  # type: ignore[arg-type]

    def close() -> None:
        for sock, _ in sockets:
            sock.close()

    if workers == 1:
        try:
            return 0 if _worker(sockets, tls, loop) else 1
        finally:
            close()
    return supervise(_worker, (sockets, tls, loop), workers, graceful_timeout, close)


def _tls_context(tls: tuple[str, str]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(tls[0], tls[1])
    except (OSError, ssl.SSLError) as exc:
        raise ListenerError(f"cannot use the TLS certificate {tls[0]} with the key {tls[1]}: {exc}") from None
    context.set_alpn_protocols(["http/1.1"])
    return context


def _worker(sockets: Listeners, tls: tuple[str, str] | None, loop_name: str) -> bool:
    """One worker: boots the app, serves until SIGTERM/SIGINT, drains, stops; whether it started."""
    if hasattr(signal, "SIGHUP"):  # the app's lifespan installs the access log's SIGHUP handler
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    from .app import OPTIONS_ENV, app_from_env

    app = app_from_env()
    options = ServerOptions(**json.loads(os.environ[OPTIONS_ENV]))
    context = _tls_context(tls) if tls is not None else None
    factory = None
    if loop_name == "uvloop":
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.get_loop().set_exception_handler(_quiet_handshakes)
        return runner.run(_serve(app, options, [(sock, context if secure else None) for sock, secure in sockets]))


async def _serve(app: Any, options: ServerOptions, sockets: list[tuple[socket.socket, ssl.SSLContext | None]]) -> bool:
    lifespan = Lifespan(app)
    try:
        await lifespan.startup()
    except LifespanFailed as exc:
        log.error("%s", exc)
        return False
    server = HttpServer(app, max_connections=options.max_connections)
    stop = asyncio.Event()
    signals = {"count": 0}

    def on_signal(signum: int) -> None:
        signals["count"] += 1
        stop.set()
        drain = process_drain()
        if signum == signal.SIGINT and signals["count"] > 1 and drain is not None:
            drain.hurry()  # a second Ctrl-C: cut what is still running now

    running = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        running.add_signal_handler(signum, on_signal, signum)
    await server.start(sockets)
    await stop.wait()
    drain = process_drain()
    if drain is not None:
        drain.begin()
        await drain.finished()
    await server.stop(FINAL_GRACE)
    await lifespan.shutdown()
    return True


def _quiet_handshakes(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A client's failed TLS handshake is its problem, not a server error worth a traceback."""
    if not isinstance(context.get("exception"), (ssl.SSLError, ConnectionError)):
        loop.default_exception_handler(context)
