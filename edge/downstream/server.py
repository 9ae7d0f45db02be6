"""The built-in server's listeners and connections: accepting, bounding, idling and stopping.

- **Bound**: at most `max_connections` open connections; one past it is answered 503 with
  `Connection: close` (after reading what the client sent, briefly) instead of queueing.
- **Idle connections** close after `idle_seconds` without a request in flight: a fresh or
  keep-alive connection that sends nothing, and a request head that has not arrived whole by
  then (slow headers). A response the client stops reading (writes paused) for
  `stall_seconds` ends its connection. One sweep a second does both: nothing per request.
- **Stop**: the listeners close, idle connections close, the others close after the
  response under way; what is left after the grace period is cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from typing import Any

from .http1 import Connection

log = logging.getLogger("edge.server")

BUSY = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 47\r\n"
        b"retry-after: 1\r\nconnection: close\r\n\r\n503 Service Unavailable: too many connections\r\n")
SWEEP_SECONDS = 1.0
REFUSE_AFTER = 0.5  # a refused client that sends nothing gets its 503 after this


class HttpServer:
    """HTTP/1.x listeners for one ASGI app in this process's event loop."""

    def __init__(self, app: Any, *, max_connections: int = 1024, idle_seconds: float = 5.0,
                 stall_seconds: float = 60.0) -> None:
        self.app = app
        self.max_connections = max_connections
        self.idle_ticks = max(1, round(idle_seconds / SWEEP_SECONDS))
        self.stall_ticks = max(1, round(stall_seconds / SWEEP_SECONDS))
        self.connections: set[Connection] = set()
        self.listeners: list[asyncio.Server] = []
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.sweeper: asyncio.Task[None] | None = None

    async def start(self, sockets: list[tuple[socket.socket, ssl.SSLContext | None]], backlog: int = 2048) -> None:
        """Serve the given bound, listening sockets (TLS where a context is given)."""
        self.loop = asyncio.get_running_loop()
        for sock, context in sockets:
            scheme = "https" if context is not None else "http"
            self.listeners.append(await self.loop.create_server(
                lambda scheme=scheme: Connection(self, scheme), sock=sock, ssl=context, backlog=backlog,
                ssl_handshake_timeout=10.0 if context is not None else None))
        self.sweeper = self.loop.create_task(self._sweep())

    # -- connections ---------------------------------------------------------------------------

    def admit(self, conn: Connection) -> None:
        if len(self.connections) >= self.max_connections:
            conn.refused = True
            self.loop.call_later(REFUSE_AFTER, self.refuse, conn)
            return
        self.connections.add(conn)

    def refuse(self, conn: Connection) -> None:
        """Beyond the bound: 503 and close (once the client's request arrived, or after REFUSE_AFTER)."""
        if not conn.closed:
            conn.transport.write(BUSY)
            conn.close()

    def forget(self, conn: Connection) -> None:
        self.connections.discard(conn)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            for conn in list(self.connections):
                if conn.current is None:
                    conn.idle_ticks += 1
                    if conn.idle_ticks > self.idle_ticks:
                        conn.close()
                elif conn.write_paused:
                    conn.stalled_ticks += 1
                    if conn.stalled_ticks > self.stall_ticks:
                        log.info("closing a connection whose client stopped reading its response")
                        conn.closed = True
                        conn.transport.abort()

    # -- stopping ------------------------------------------------------------------------------

    async def stop(self, grace: float) -> None:
        """Stop listening; close idle connections now, busy ones after their response, and cut
        what is still open after `grace` seconds."""
        for listener in self.listeners:
            listener.close()
        for conn in list(self.connections):
            conn.last = True
            if conn.current is None:
                conn.close()
        deadline = time.monotonic() + grace
        while self.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for conn in list(self.connections):
            task = conn.current.task if conn.current is not None else None
            conn.closed = True
            conn.transport.abort()
            if task is not None:
                task.cancel()
        if self.sweeper is not None:
            self.sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.sweeper
        for listener in self.listeners:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.wait_closed(), 1.0)
