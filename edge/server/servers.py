"""Running the app under an ASGI server: Granian (the default), Hypercorn or uvicorn.

All three serve the same app, `edge.server.app:app_from_env()` (its options come from the
EDGE_SERVER_OPTIONS environment variable, so every worker process builds the same app),
with the same number of worker processes, and all three serve both listeners, edge
traffic and the admin API:

- **granian** (the default: its HTTP layer is Rust, several times Hypercorn's throughput,
  bench/README.md): binds the edge address; HTTP/1.1 and HTTP/2 (TLS + ALPN, or h2c), TLS.
  Every worker process also serves the admin API on its own `SO_REUSEPORT` socket through a
  small Hypercorn listener that the worker starts once its app has booted (`sidecar.AdminSidecar`;
  TLS with the same certificate when it is not on loopback).
- **hypercorn**: both are binds of one server (`listeners.hypercorn_config`); HTTP/1.1,
  HTTP/2 (TLS + ALPN, or h2c), TLS; the one that sends a function's `statusDescription` as
  the reason phrase (edge/server/reason.py). With uvloop installed it runs on uvloop.
- **uvicorn** (httptools + uvloop): this process binds both sockets and hands them to every
  worker (uvicorn serves a list of sockets); `app.Front` tells them apart by port.
  HTTP/1.1 only here, no TLS through `edge serve` (optional: `pip install uvicorn`).

Under all three a stop (SIGTERM/SIGINT) drains the same way (edge/server/drain.py): with
`--workers N`, Hypercorn and uvicorn workers run under edge/server/supervisor.py, whose
workers tell the server to shut down only once the drain is over; Granian's workers start
the drain on Granian's own stop signal (edge/server/serverhooks.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import signal
import socket
import sys
from typing import TYPE_CHECKING, Any

from . import parent_watch
from .drain import process_drain
from .listeners import ListenerError, check_admin, hypercorn_config, is_loopback, listen
from .sidecar import REAPER_ENV, SIDECAR_ENV
from .supervisor import supervise

if TYPE_CHECKING:
    from .options import ServerOptions

log = logging.getLogger("edge.server")

SERVERS = ("hypercorn", "uvicorn", "granian")
LOOPS = ("auto", "asyncio", "uvloop")
APP_FACTORY = "edge.server.app:app_from_env"
GRANIAN_FACTORY = "edge.server.sidecar:granian_app"


def have_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_loop(loop: str) -> str:
    """`auto` is uvloop when it is installed, asyncio otherwise."""
    if loop not in LOOPS:
        raise ListenerError(f"unknown event loop {loop!r}; choose one of {', '.join(LOOPS)}")
    if loop == "auto":
        return "uvloop" if have_uvloop() else "asyncio"
    if loop == "uvloop" and not have_uvloop():
        raise ListenerError("--loop uvloop needs uvloop installed (pip install uvloop)")
    return loop


def check_server(server: str, *, tls: bool) -> None:
    """Refuse combinations a server cannot serve here, before anything starts."""
    if server not in SERVERS:
        raise ListenerError(f"unknown server {server!r}; choose one of {', '.join(SERVERS)}")
    if server == "uvicorn" and tls:
        raise ListenerError("TLS (--certfile/--keyfile) needs --server granian or hypercorn, not uvicorn")
    module = {"uvicorn": "uvicorn", "granian": "granian"}.get(server)
    if module is not None:
        try:
            __import__(module)
        except ImportError:
            raise ListenerError(
                f"--server {server} needs {module} installed: pip install {module}"
            ) from None


def run(
    server: str,
    options: ServerOptions,
    host: str,
    port: int,
    *,
    workers: int = 1,
    certfile: str | None = None,
    keyfile: str | None = None,
    graceful_timeout: float = 10.0,
    log_level: str = "warning",
    loop: str = "auto",
) -> int:
    """Serve until told to stop (SIGINT/SIGTERM); the exit status. EDGE_SERVER_OPTIONS must be set,
    and the store prepared (`prepare_store`)."""
    check_server(server, tls=bool(certfile))
    loop = resolve_loop(loop)
    raise_open_files(options)
    if server == "hypercorn":
        return _hypercorn(options, host, port, workers, certfile, keyfile, graceful_timeout, log_level, loop)
    check_admin(options, port)
    if server == "uvicorn":
        return _uvicorn(options, host, port, workers, graceful_timeout, log_level, loop)
    return _granian(options, host, port, workers, certfile, keyfile, graceful_timeout, log_level, loop)


def raise_open_files(options: ServerOptions) -> None:
    """Raise the soft open-file limit to the hard one (workers inherit it), as servers do, and say
    what the connection limits are; a warning when the limit is too low for --max-connections.
    Each connection is a descriptor, and may hold an origin connection too."""
    from .options import FILES_KEPT, open_file_target

    try:
        import resource
    except ImportError:  # no such limit here
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    raised = ""
    target = open_file_target()
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            raised, soft = f" (raised from {soft})", target
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit from %d to %d: %s", soft, target, exc)
    per_address = ("no cap per client address (behind --proxy-hops)" if options.proxy_hops
                   else f"{options.max_connections_per_address} per client address"
                   if options.max_connections_per_address else "no cap per client address")
    print(f"edge: connections: up to {options.max_connections} per worker, {per_address}; "
          f"open-file limit {soft}{raised}", file=sys.stderr, flush=True)
    needed = options.max_connections + FILES_KEPT // 4  # the connections, and a few files and origins
    if soft != resource.RLIM_INFINITY and soft < needed:
        log.warning("--max-connections %d needs at least %d open files per worker, more than the limit of %d: "
                    "raise it (LimitNOFILE= in a systemd unit, ulimit -n) or lower --max-connections",
                    options.max_connections, needed, soft)


def prepare_store(options: ServerOptions) -> None:
    """Create (or open) the store once, in the main process, before the workers start:
    workers that all find no database and switch a new one to WAL at the same moment can fail
    with `database is locked` (seen with Granian, whose workers start together), and a store
    that cannot be opened (a full disk, its permissions, a newer schema) is then one StoreError
    for `edge serve` to print as one line, not a traceback from every worker. Called by
    edge/cli/serve.py before `run`."""
    from ..control.store import open_store

    open_store(options.store_location, cache_dir=options.blob_cache_dir).close()


# -- hypercorn -------------------------------------------------------------------------------


HYPERCORN_FINAL_GRACE = 2.0  # after the drain, only idle connections are left to close


def _hypercorn(options: ServerOptions, host: str, port: int, workers: int, certfile: str | None,
               keyfile: str | None, graceful_timeout: float, log_level: str, loop: str) -> int:
    config = hypercorn_config(options, host, port, certfile=certfile, keyfile=keyfile)
    config.application_path = APP_FACTORY + "()"
    config.workers = workers
    config.graceful_timeout = HYPERCORN_FINAL_GRACE
    config.loglevel = log_level.upper()
    sockets = config.create_sockets()

    def close() -> None:
        for sock in [*sockets.secure_sockets, *sockets.insecure_sockets]:
            sock.close()

    if workers == 1:
        try:
            _hypercorn_worker(config, sockets, loop)
        finally:
            close()
        return 0
    return supervise(_hypercorn_worker, (config, sockets, loop), workers, graceful_timeout, close)


def _hypercorn_worker(config: Any, sockets: Any, loop_name: str) -> None:
    """One Hypercorn worker: serves until SIGTERM/SIGINT, then drains, then shuts down."""
    import ssl

    _ignore_hangup_until_booted()

    from hypercorn.asyncio.run import worker_serve
    from hypercorn.utils import load_application

    from .serverhooks import install_hypercorn_hooks

    install_hypercorn_hooks()
    app = load_application(config.application_path, config.wsgi_max_body_size)

    async def main() -> None:
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

        async def drained() -> None:
            await stop.wait()
            await _drain()

        await worker_serve(app, config, sockets=sockets, shutdown_trigger=drained)

    def ignore_handshake_failures(loop: asyncio.AbstractEventLoop, context: dict) -> None:
        if not isinstance(context.get("exception"), ssl.SSLError):
            loop.default_exception_handler(context)

    factory = None
    if loop_name == "uvloop":
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.get_loop().set_exception_handler(ignore_handshake_failures)
        runner.run(main())


def _ignore_hangup_until_booted() -> None:
    """A SIGHUP (log rotation, passed on by the supervisor) must not end a worker that is
    still booting: the app's lifespan installs the handler that reopens the access log."""
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


async def _drain() -> None:
    drain = process_drain()
    if drain is not None:
        drain.begin()
        await drain.finished()


# -- uvicorn ---------------------------------------------------------------------------------


def _uvicorn(options: ServerOptions, host: str, port: int, workers: int, graceful_timeout: float,
             log_level: str, loop: str) -> int:
    import uvicorn

    from ..websocket.upstream import MAX_MESSAGE as WEBSOCKET_MAX_MESSAGE
    from .serverhooks import UVICORN_PROTOCOL

    config = uvicorn.Config(
        APP_FACTORY, factory=True, loop=loop, http=UVICORN_PROTOCOL, lifespan="on",
        log_level=log_level.lower(), access_log=False, server_header=False, date_header=False, proxy_headers=False,
        timeout_graceful_shutdown=HYPERCORN_FINAL_GRACE, backlog=2048, limit_concurrency=options.max_connections,
        ws_max_size=WEBSOCKET_MAX_MESSAGE,  # a viewer's WebSocket message is not buffered beyond what the edge relays
    )
    sockets = [listen(host, port)]
    if options.admin_enabled:
        sockets.append(listen(options.admin_host, options.admin_port))  # type: ignore[arg-type]

    def close() -> None:
        for sock in sockets:
            sock.close()

    if workers == 1:
        try:
            return 0 if _uvicorn_worker(config, sockets) else 1
        finally:
            close()
    return supervise(_uvicorn_worker, (config, sockets), workers, graceful_timeout, close)


def _uvicorn_worker(config: Any, sockets: list[socket.socket]) -> bool:
    """One uvicorn worker (its server drains before it shuts down); whether it started."""
    _ignore_hangup_until_booted()
    from .serverhooks import uvicorn_server

    server = uvicorn_server()(config)
    server.idle_reaper_port = sockets[0].getsockname()[1]  # uvicorn never closes a silent connection (reaper.py)
    server.run(sockets=sockets)
    return bool(server.started)


# -- granian ---------------------------------------------------------------------------------


def _granian(options: ServerOptions, host: str, port: int, workers: int, certfile: str | None, keyfile: str | None,
             graceful_timeout: float, log_level: str, loop: str) -> int:
    from pathlib import Path

    from granian import Granian

    from .serverhooks import calm_granian_signals

    if options.admin_enabled:
        # Fail now (not in every worker) if the admin port is taken by someone else.
        probe = listen(options.admin_host, options.admin_port, reuse_port=True)  # type: ignore[arg-type]
        probe.close()
        admin_tls = [certfile, keyfile] if certfile and not is_loopback(options.admin_host) else None  # type: ignore[arg-type]
        os.environ[SIDECAR_ENV] = json.dumps([options.admin_host, options.admin_port, admin_tls])
    level = {"warning": "warn"}.get(log_level.lower(), log_level.lower())
    from granian.constants import SSLProtocols

    # TLS 1.2 and 1.3, as CloudFront's default security policy (Granian's own minimum is 1.3)
    tls = {"ssl_cert": Path(certfile), "ssl_key": Path(keyfile), "ssl_protocol_min": SSLProtocols.tls12} \
        if certfile and keyfile else {}
    # Workers start as new interpreters (as Hypercorn's do), not forks of this process: a fork
    # would inherit its threads and its metrics registry from before the multi-process
    # metrics directory was set, so a scrape would see one worker's numbers.
    multiprocessing.set_start_method("spawn", force=True)
    from granian.http import HTTP1Settings

    from .reaper import IDLE_SECONDS

    os.environ[REAPER_ENV] = str(port)  # Granian never closes a silent connection itself (reaper.py)
    server = Granian(
        GRANIAN_FACTORY, factory=True, address=host, port=port, interface="asgi", workers=workers,
        loop=loop, log_level=level, log_access=False, backlog=2048, backpressure=options.max_connections,
        http="auto",  # HTTP/1.1, and HTTP/2 by ALPN over TLS or by prior knowledge (h2c)
        http1_settings=HTTP1Settings(header_read_timeout=int(IDLE_SECONDS * 1000)),
        # the app's drain cuts what outlives the grace period; Granian kills only a stuck worker
        workers_kill_timeout=int(graceful_timeout) + 5, **tls,
        # a worker that dies on its own (the OOM killer) is replaced, as supervisor.py replaces
        # Hypercorn's and uvicorn's, under respawn.py's rule (serverhooks._watch_worker)
        respawn_failed_workers=True,
    )
    parent_watch.name_main_process()  # its workers stop if this process dies without stopping them
    calm_granian_signals(server)  # a second stop signal must not hang the main process (serverhooks.py)
    server.serve()
    return 0
