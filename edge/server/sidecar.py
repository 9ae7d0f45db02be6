"""What a Granian worker serves: the edge app, plus the admin API on the worker's own socket.

Granian binds only the edge address, so each worker starts a small Hypercorn listener for the
admin API (`SO_REUSEPORT`, the same event loop) once its app has booted, and stops it before
the app shuts down. The worker also starts the idle-connection reaper (reaper.py), since
Granian never closes a silent connection itself, nor limits connections per client address.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from typing import TYPE_CHECKING, Any

from .listeners import listen

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

SIDECAR_ENV = "EDGE_ADMIN_SIDECAR"  # "host:port" of the admin listener a Granian worker serves itself
REAPER_ENV = "EDGE_IDLE_REAPER_PORT"  # the edge port whose idle connections a Granian worker closes (reaper.py)


def granian_app():  # type: ignore[no-untyped-def]
    """The app for Granian workers: `app_from_env()`, plus this worker's admin listener."""
    from .app import Front, app_from_env
    from .guard import Guard
    from .serverhooks import install_granian_hooks

    install_granian_hooks()
    app = app_from_env()
    front = app.app if isinstance(app, Guard) else app
    reaped = os.environ.get(REAPER_ENV)
    if reaped and isinstance(app, Guard):
        from .reaper import reap_idle_connections
        from .serverhooks import connection_limits

        limits = connection_limits()  # Granian has no hook of its own for them (reaper.py)
        reap_idle_connections(int(reaped), app.drain, max_connections=limits.max_connections,
                              per_address=limits.per_address)
    raw = os.environ.get(SIDECAR_ENV)
    if raw and isinstance(front, Front):
        host, port, tls = json.loads(raw)
        return AdminSidecar(app, host, int(port), tls)
    return app


class AdminSidecar:
    """Wraps the app of one worker process: once the app's lifespan startup completed, it
    serves the admin app on its own `SO_REUSEPORT` socket (Hypercorn, same event loop), and
    stops that listener before the app shuts down. Everything else passes through."""

    def __init__(self, front: Any, host: str, port: int, tls: list[str] | None = None) -> None:
        self.front = front
        self.host = host
        self.port = port
        self.tls = tls  # [certfile, keyfile] for an admin listener that is not on loopback
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task | None = None

    @property
    def state(self):  # type: ignore[no-untyped-def]
        return self.front.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.front(scope, receive, send)
            return

        async def receive_wrapper():  # type: ignore[no-untyped-def]
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await self._stop_admin()
            return message

        async def send_wrapper(message):  # type: ignore[no-untyped-def]
            if message["type"] == "lifespan.startup.complete":
                try:
                    await self._start_admin()
                except OSError as exc:
                    await send({"type": "lifespan.startup.failed", "message": f"admin listener: {exc}"})
                    return
            await send(message)

        await self.front(scope, receive_wrapper, send_wrapper)

    async def _start_admin(self) -> None:
        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        sock = listen(self.host, self.port, reuse_port=True)  # listening: connections queue from now on
        config = Config()
        config.bind = [f"fd://{sock.detach()}"]  # Hypercorn owns (and closes) the socket
        if self.tls:
            config.certfile, config.keyfile = self.tls
        config.include_server_header = False
        config.include_date_header = False  # the admin app sets its own (one Date only)
        config.accesslog = None
        config.loglevel = "WARNING"
        self._stop = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(
            serve(_NoLifespan(_admin_of(self.front)), config, shutdown_trigger=self._stop.wait)  # type: ignore[arg-type]
        )

    async def _stop_admin(self) -> None:
        if self._stop is not None and self._task is not None:
            self._stop.set()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._task, 5)


def _admin_of(app: Any) -> Any:
    """The admin app as Front serves it (with its Date header), behind the same Guard (checks,
    drain) as the edge listener."""
    from .app import _dated
    from .guard import Guard

    front = app.app if isinstance(app, Guard) else app

    async def admin(scope: Scope, receive: Receive, send: Send) -> None:
        await front.admin(scope, receive, _dated(send))

    return app.wrap(admin) if isinstance(app, Guard) else admin


class _NoLifespan:
    """The admin app has nothing to start; the edge app's lifespan owns the state."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self.app(scope, receive, send)
