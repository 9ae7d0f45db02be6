"""A real HTTP/2 origin for tests: Hypercorn over TLS (ALPN h2) on 127.0.0.1, in a thread with
its own loop, answering each request with its path (tests/test_origin_h2_goaway.py,
tests/test_origin_h2_idle.py).

Its two knobs are the ones origins close connections by: `keep_alive_timeout` (a connection
idle that long is closed, without a GOAWAY) and `keep_alive_max_requests` (after that many
requests on a connection Hypercorn says GOAWAY, whose last stream id is the request that
went over, which its app runs but Hypercorn never answers: h2 sends nothing after its own
GOAWAY; the connection closes once idle for `keep_alive_timeout`).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from typing import Any, NamedTuple, Self

from .conftest import free_port


class Seen(NamedTuple):
    """A request as the app got it; `port` is the edge's end of its connection."""

    method: str
    path: str
    http_version: str
    port: int


class HypercornH2:
    """See the module docstring. `requests`: every request the app ran, in order."""

    def __init__(self, certfile: str, *, keep_alive_timeout: float = 5.0,
                 keep_alive_max_requests: int | None = None) -> None:
        self.requests: list[Seen] = []
        self.port = free_port()
        self.certfile = certfile
        self.keep_alive_timeout = keep_alive_timeout
        self.keep_alive_max_requests = keep_alive_max_requests
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="hypercorn-h2-origin")

    @property
    def connections(self) -> int:
        return len({seen.port for seen in self.requests})

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.requests.append(Seen(scope["method"], scope["path"], scope["http_version"], scope["client"][1]))
        while (await receive()).get("more_body"):
            pass
        body = scope["path"].encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _run(self) -> None:
        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            config = Config()
            config.bind = [f"127.0.0.1:{self.port}"]
            config.certfile = config.keyfile = self.certfile
            config.keep_alive_timeout = self.keep_alive_timeout
            if self.keep_alive_max_requests is not None:
                config.keep_alive_max_requests = self.keep_alive_max_requests
            config.graceful_timeout = 1  # a TLS connection the edge still holds does not keep it 10 s
            config.loglevel = "WARNING"
            self._ready.set()
            await serve(self.app, config, shutdown_trigger=self._stop.wait)  # type: ignore[arg-type]

        asyncio.run(main())

    def start(self) -> Self:
        self._thread.start()
        assert self._ready.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            time.sleep(0.05)
        raise RuntimeError("Hypercorn did not listen")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)  # a daemon: one that does not stop in time goes with the process

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
