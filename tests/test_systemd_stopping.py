"""Under systemd (`Type=notify`), `edge serve` sends READY=1 once requests are answered and
STOPPING=1 as the stop begins: at the stop signal, while requests in flight still drain, under
every server and worker count (it was never sent). NOTIFY_SOCKET is a real datagram socket,
as systemd's is."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from .conftest import Origin, free_port
from .test_serve_startup import SERVERS


class HeldOrigin(Origin):
    """A real origin whose /held* requests wait until the test releases them (a request in flight
    for as long as the test needs: the stop's drain ends when the test says, not after a fixed time)."""

    def __init__(self) -> None:
        super().__init__()
        self.released: set[str] = set()

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        if not path.startswith("/held"):
            return await super().handle(request)
        self.hits[path] += 1
        deadline = time.monotonic() + 60
        while path not in self.released and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return Response(f"released {path}", media_type="text/plain")


@pytest.fixture(scope="module")
def origin() -> Iterator[HeldOrigin]:
    o = HeldOrigin()
    o.server.start()
    yield o
    o.server.stop()

MANIFEST = """
[origins.api]
url = "{origin}"

[[behaviors]]
path = "*"
origin = "api"
cache = "disabled"
"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("server_name", SERVERS)
def test_stopping_is_sent_when_the_stop_begins(tmp_path: Path, origin, server_name: str, workers: int) -> None:
    stops_with_stopping(tmp_path, origin, server_name, workers, "auto")  # uvloop where it is installed


@pytest.mark.timeout(120)
def test_stopping_is_sent_by_a_single_hypercorn_worker_on_asyncio(tmp_path: Path, origin) -> None:
    """The worker runs in the main process; its handler is installed through asyncio's loop."""
    stops_with_stopping(tmp_path, origin, "hypercorn", 1, "asyncio")


def stops_with_stopping(tmp_path: Path, origin, server_name: str, workers: int, loop: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "edge.toml").write_text(MANIFEST.format(origin=origin.server.url))
    port = free_port()
    notify = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(str(notify))
        systemd.settimeout(60)
        proc = subprocess.Popen(
            [sys.executable, "-m", "edge.cli.main", "serve", "-m", "edge.toml", "--state-dir", "state", "--port",
             str(port), "--admin-port", str(free_port()), "--server", server_name, "--workers", str(workers),
             "--loop", loop, "--graceful-timeout", "20"],
            cwd=tmp_path, env=dict(os.environ, NOTIFY_SOCKET=str(notify)), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True,
        )
        try:
            assert systemd.recv(64) == b"READY=1"
            answers: list[httpx.Response] = []
            held = f"/held-stopping-{server_name}-{workers}-{loop}"
            request = threading.Thread(target=lambda: answers.append(
                httpx.get(f"http://127.0.0.1:{port}{held}", timeout=30)))
            request.start()
            deadline = time.monotonic() + 10
            while not origin.hits[held]:  # the request is in flight: it reached the origin
                assert time.monotonic() < deadline, "the request never reached the origin"
                time.sleep(0.01)

            os.kill(proc.pid, signal.SIGTERM)  # to the main process alone (docker stop, KillMode=mixed)
            systemd.settimeout(2)  # at the signal, not once the drain is over (the origin holds the request)
            try:
                assert systemd.recv(64) == b"STOPPING=1"
                assert proc.poll() is None and request.is_alive()  # still draining
            finally:
                origin.released.add(held)  # the answer comes: the drain can end

            request.join(30)
            assert answers and answers[0].status_code == 200, answers
            assert proc.wait(30) == 0, proc.stderr.read().decode()  # type: ignore[union-attr]
            systemd.settimeout(0.5)
            with pytest.raises(TimeoutError):  # once only
                systemd.recv(64)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
