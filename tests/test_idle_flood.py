"""One client holding ~1,100 idle connections (each one the server closes opened again at once)
cannot keep another client's requests out, under each `--server` (docs/deploy.md, *Connection
limits*): with the defaults, and with `--max-connections 1024`, where the idle connections
outnumber the bound and only the cap per client address (256) keeps places free. A keep-alive
client making many requests over a few connections meanwhile keeps its connections.

Real `edge serve` processes on loopback; the idle connections come from a process of their own
(tests/idle_flooder.py) on 127.0.0.2, another client address on the loopback interface; the
probes from this process, on 127.0.0.1. Linux only (127.0.0.2 without configuration, and the
reaper that Granian and uvicorn rely on: edge/server/reaper.py)."""

from __future__ import annotations

import http.client
import json
import resource
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from .test_hardening_http import start, stop

FLOOD = 1100  # idle connections held by one client
FLOOD_FROM = "127.0.0.2"
PROBE_SECONDS = 6.0
PROBE_EVERY = 0.5
ANSWERED_WITHIN = 2.0  # seconds; generous: a probe that waits for a place takes one sweep (0.25-1 s)
KEEP_ALIVE_CONNECTIONS = 4
OPEN_FILES_NEEDED = 2048  # the flooder's connections, and the server's side of them

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="127.0.0.2 on loopback and the reaper: Linux")


@pytest.fixture(scope="module", autouse=True)
def enough_open_files() -> None:
    """The server and the flooder are children of this process: they inherit its limit (and
    raise their soft limits to the hard one)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < OPEN_FILES_NEEDED:
        pytest.skip(f"holding {FLOOD} connections needs an open-file limit of {OPEN_FILES_NEEDED} (hard limit: {hard})")
    with socket.socket() as sock:
        try:
            sock.bind((FLOOD_FROM, 0))
        except OSError as exc:
            pytest.skip(f"cannot use {FLOOD_FROM} as a client address here: {exc}")


@pytest.mark.parametrize("server, extra", [
    ("granian", ()),
    ("granian", ("--max-connections", "1024")),
    ("hypercorn", ("--max-connections", "1024")),
    ("uvicorn", ("--max-connections", "1024")),
], ids=["granian-defaults", "granian-1024", "hypercorn-1024", "uvicorn-1024"])
def test_idle_connections_of_one_client_do_not_keep_others_out(tmp_path, server, extra):
    served = start(tmp_path, server, *extra)
    flooder = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("idle_flooder.py")), str(served.port), str(FLOOD),
         str(PROBE_SECONDS + 20), FLOOD_FROM],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert select.select([flooder.stdout], [], [], 15)[0], "the flooder did not start"
        assert flooder.stdout.readline().strip() == "holding"  # type: ignore[union-attr]
        keep_alive = KeepAliveClient(served.port).start()
        probes = probe(served.port, PROBE_SECONDS)
        keep_alive.stop()
        counts = json.loads(flooder.communicate(timeout=30)[0])  # (its input ends: it stops)
    finally:
        if flooder.poll() is None:
            flooder.kill()
            flooder.wait(5)
        stop(served.proc)

    # the flood was there (a server that refuses the excess at once never lets it hold all of them)...
    assert counts["opened"] >= FLOOD and counts["most_open"] >= FLOOD // 2, counts
    assert counts["closed_by_server"] > 0, counts  # ...and the server cut it down
    late = [(seconds, status) for seconds, status in probes if status != 200 or seconds > ANSWERED_WITHIN]
    assert not late, f"under {server} {' '.join(extra)}: {late} of {probes} ({counts})"
    assert len(probes) >= PROBE_SECONDS / (PROBE_EVERY + ANSWERED_WITHIN), probes
    keep_alive.check()


def probe(port: int, seconds: float) -> list[tuple[float, int | str]]:
    """A normal request on a new connection every PROBE_EVERY seconds: (seconds taken, status or error)."""
    results: list[tuple[float, int | str]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            status: int | str = httpx.get(f"http://127.0.0.1:{port}/probe", timeout=10).status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        results.append((round(time.monotonic() - started, 3), status))
        time.sleep(PROBE_EVERY)
    return results


class KeepAliveClient:
    """A few keep-alive connections, each making requests one after another with short pauses
    (as a browser or a load test does); each must stay the same connection throughout."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.done = threading.Event()
        self.answered = 0
        self.problems: list[str] = []
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(KEEP_ALIVE_CONNECTIONS)]

    def start(self) -> KeepAliveClient:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join(15)

    def check(self) -> None:
        assert not self.problems, self.problems
        assert self.answered >= KEEP_ALIVE_CONNECTIONS * 10, self.answered

    def _run(self, n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            first = None
            while not self.done.is_set():
                conn.request("GET", f"/keep-alive/{n}")
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    self.problems.append(f"connection {n}: {response.status}")
                first = first or conn.sock
                if conn.sock is not first or response.will_close:
                    self.problems.append(f"connection {n} was not kept after {self.answered} answers")
                    return
                self.answered += 1
                self.done.wait(0.1 + 0.1 * n)  # 0.1 to 0.4 s between requests
        except (OSError, http.client.HTTPException) as exc:
            self.problems.append(f"connection {n}: {exc!r}")
        finally:
            conn.close()
