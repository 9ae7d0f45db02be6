"""The front door: a Starlette application whose edge traffic goes through the pipeline.

Every path belongs to the distribution, so the edge handler (`handler.py`) is the router's
default endpoint (no route table to walk per request). The app is plain ASGI and
server-agnostic; `edge serve` runs it under Granian by default (`servers.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from ..ops import metrics
from ..pipeline.response import http_date
from . import heap, parent_watch, readiness, reason
from .drain import Drain, set_process_drain
from .guard import BodyTimeout, Guard, HttpLimits, IncompleteBody, body_failed
from .handler import EdgeHandler
from .serverhooks import install_hypercorn_hooks
from .state import EdgeState, ServerOptions, boot

log = logging.getLogger("edge.server")

OPTIONS_ENV = "EDGE_SERVER_OPTIONS"


class Front:
    """ASGI dispatcher: requests that arrived on the admin port go to the admin app; edge
    requests go straight to the edge handler (the router's default endpoint: no middleware
    or route table to walk per request); the lifespan goes to the Starlette app, which owns
    the worker's state. The admin API is unreachable from the edge listener."""

    def __init__(self, edge: Starlette, admin: ASGIApp | None, admin_port: int | None) -> None:
        self.edge = edge
        self.handler: ASGIApp = edge.router.default
        self.admin = admin
        self.admin_port = admin_port

    @property
    def state(self):  # type: ignore[no-untyped-def]
        return self.edge.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            server = scope.get("server")
            if self.admin is not None and server is not None and server[1] == self.admin_port:
                await self.admin(scope, receive, _dated(send))
            else:
                await self.handler(scope, receive, send)
            return
        if kind == "websocket":  # an edge WebSocket is proxied; the admin API has none (403)
            server = scope.get("server")
            if server is not None and server[1] == self.admin_port:
                await receive()
                await send({"type": "websocket.close", "code": 1008})
            else:
                await self.handler(scope, receive, send)
            return
        await self.edge(scope, receive, send)


def _dated(send: Send) -> Send:
    """The servers are told not to add `Date` (the edge sets it, once); admin answers get one here."""

    async def send_dated(message: dict) -> None:  # type: ignore[type-arg]
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(name.lower() == b"date" for name, _ in headers):
                headers.append((b"date", http_date().encode()))
                message = {**message, "headers": headers}
        await send(message)

    return send_dated  # type: ignore[return-value]


def create_app(options: ServerOptions, *, settle_heap: bool = False) -> Guard:
    """The edge app (with an admin listener configured, in the Front dispatcher), behind the
    Guard: HTTP-level checks, body timeouts and the graceful stop (edge/server/guard.py).
    `settle_heap`: a server process freezes what boot allocated (edge/server/heap.py)."""
    install_hypercorn_hooks()
    drain = Drain(options.graceful_timeout)
    limits = HttpLimits(options.body_timeout, options.body_min_rate, options.max_connections)
    admin_port = options.admin_port if options.admin_enabled else None

    def on_admin(scope: Scope) -> bool:
        server = scope.get("server")
        return admin_port is not None and server is not None and server[1] == admin_port

    def probe(scope: Scope) -> bool:  # load balancers must see `stopping`
        return on_admin(scope) and scope["path"] in ("/healthz", "/readyz")

    def endless(scope: Scope) -> bool:
        if scope["path"] != "/v1/logs" or not on_admin(scope):
            return False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))  # as the endpoint reads it (%66ollow=1)
        return query.get("follow", [""])[-1] in ("1", "true", "yes")

    return Guard(_create_app(options, drain, settle_heap), limits, drain, probe, endless)


def _create_app(options: ServerOptions, drain: Drain, settle_heap: bool = False) -> Front:

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # a worker whose main process dies while this boots exits at once; once it serves, it
        # drains and stops (parent_watch.py)
        parent_watch.at_exit_now(metrics.process_exited)
        parent_watch.watch_parent(options.graceful_timeout)
        state = await boot(options)
        app.state.edge = handler.state = state
        if settle_heap:
            log.debug("froze %d objects made at boot", heap.settle())
        readiness.notify_ready()  # `edge serve` prints its "serving on" line (edge/server/readiness.py)
        parent_watch.serving()
        if state.access_log is not None:
            _reopen_on_sighup(state.access_log)
        sampler = asyncio.create_task(_sample_gauges(state)) if options.metrics else None
        try:
            yield
        finally:
            if sampler is not None:
                sampler.cancel()
            await _websockets_closed(state)
            handler.state = None
            await state.close()
            metrics.process_exited()

    reason.install()  # Hypercorn: the status line carries the function's statusDescription
    app = Starlette(lifespan=lifespan, exception_handlers={BodyTimeout: body_failed, IncompleteBody: body_failed})
    handler = EdgeHandler(app, observe=options.metrics, proxy_hops=options.proxy_hops)
    app.state.drain = drain
    app.router.default = handler  # type: ignore[assignment]
    if options.bench_native:
        from .native import install

        install(app)
    admin = None
    if options.admin_enabled:
        from .admin import create_admin_app

        admin = create_admin_app(app, options)
    return Front(app, admin, options.admin_port)


async def _websockets_closed(state: EdgeState, bound: float = 5.0) -> None:
    """At shutdown, let cut WebSockets finish their closing handshakes with their origins (a
    server may end the viewers' connections before the app's shutdown; the origins must still
    hear 1001 instead of a dropped connection)."""
    deadline = asyncio.get_running_loop().time() + bound
    while state.websockets and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)


def _reopen_on_sighup(access_log) -> None:  # type: ignore[no-untyped-def]
    """SIGHUP reopens the access log (log rotation) instead of ending the process. Only where
    this loop may own signals (the main thread); a server's own SIGHUP handling elsewhere
    (Hypercorn's supervisor restarts its workers) stays."""
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, access_log.reopen)
    except (RuntimeError, ValueError, NotImplementedError, AttributeError):
        log.debug("SIGHUP is not handled in this worker; the access log still reopens when rotated")


async def _sample_gauges(state: EdgeState, interval: float = 1.0) -> None:
    """Write the request path's metric tallies every FLUSH_INTERVAL; cache, pool and queue
    gauges change slowly: sample them every `interval`, not on every request."""
    ticks = max(1, round(interval / metrics.FLUSH_INTERVAL))
    tick = 0
    while True:
        try:
            metrics.flush()
            if tick % ticks == 0:
                metrics.update_gauges(state)
        except Exception:  # metrics must never take the worker down
            log.exception("writing metrics failed")
        tick += 1
        await asyncio.sleep(metrics.FLUSH_INTERVAL)


def app_from_env() -> Guard:
    """Entry point for server processes (`edge.server.app:app_from_env()`): options come
    from the environment so that every worker process builds the same app. Its drain is the
    one this process's stop signal drives."""
    raw = os.environ.get(OPTIONS_ENV)
    if not raw:
        raise RuntimeError(f"{OPTIONS_ENV} is not set; start the server with `edge serve`")
    app = create_app(ServerOptions(**json.loads(raw)), settle_heap=True)
    set_process_drain(app.drain)
    return app
