"""Issue 12, item 8: a graceful stop with several workers, under every `--server`, whether
SIGTERM goes to the main process alone (`docker stop`) or to the whole group (systemd):
requests in flight within the grace period complete, new requests are refused or answered
503 with `Connection: close`, `/readyz` answers 503 `stopping` while draining, and a request
that outlives the grace period is cut with one log line and no traceback."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

import httpx
import pytest

from .test_hardening_http import start, stop

GRACE = 4.0  # seconds; the checks during the stop must fit in it, on a busy machine too


def manifest(origin_url: str) -> str:
    return (f'[origins.o]\nurl = "{origin_url}"\n\n[[behaviors]]\npath = "*"\norigin = "o"\ncache = "disabled"\n'
            'forward = { query_strings = "all" }\n')  # ?s=: how long the origin takes


CASES = [("hypercorn", "main"), ("hypercorn", "group"), ("uvicorn", "main"), ("granian", "group")]


@pytest.fixture(scope="module")
def stopped(tmp_path_factory, origin) -> dict:  # type: ignore[no-untyped-def]
    """Every case at once: each server is started (all side by side, each waited for), then every
    scenario below runs at the same time, each on its own server, paths and log: each mostly
    waits (its grace period and the requests around it, ~5 s), once for all four. {case: Future}
    of what the scenario saw (a start that failed or skipped raises from it in its test)."""
    with ThreadPoolExecutor(len(CASES)) as pool:
        starting = {case: pool.submit(start, tmp_path_factory.mktemp(f"{case[0]}-{case[1]}"), case[0], "--workers",
                                      "2", "--graceful-timeout", str(GRACE), manifest=manifest(origin.server.url))
                    for case in CASES}
        wait(list(starting.values()))  # all serving before any is stopped: the scenarios' timings are their own
        outcomes = {case: pool.submit(_scenario, started.result(), case[1], origin) if started.exception() is None
                    else started
                    for case, started in starting.items()}
        wait(list(outcomes.values()))
    return outcomes


@pytest.mark.timeout(90)
@pytest.mark.parametrize("server, target", CASES)
def test_stop_drains_in_flight_requests_and_cuts_the_rest_cleanly(stopped, server, target):
    served, results, during, code, signalled, stopped_at = stopped[(server, target)].result()
    assert all(item in ("refused", (503, "close")) for item in during), during
    assert [results[f"short{i}"][0] for i in range(2)] == [200, 200], results  # finished within the grace
    status, finished = results["long"]  # type: ignore[misc]
    assert status == 503 and finished - signalled < GRACE + 3, results  # cut after the grace period, answered
    assert code == [0] and stopped_at - signalled < GRACE + 8
    log = served.log.read_text()
    assert "Traceback" not in log and "CancelledError" not in log, log
    cuts = [line for line in log.splitlines() if "cut GET /slow-" in line and "-long" in line]
    assert len(cuts) == 1 and "grace period" in cuts[0], log


def _scenario(served, target: str, origin) -> tuple:  # type: ignore[no-untyped-def]
    """Two requests that finish within the grace period and one that does not, SIGTERM to the main
    process or the group, new requests and /readyz meanwhile; what each saw, and when it stopped."""
    edge, admin = f"http://127.0.0.1:{served.port}", f"http://127.0.0.1:{served.admin_port}"
    results: dict[str, object] = {}
    paths = {name: f"/slow-{served.port}-{name}" for name in ("short0", "short1", "long")}  # this scenario's own

    def call(name: str, seconds: float) -> None:
        try:
            r = httpx.get(f"{edge}{paths[name]}?s={seconds}", timeout=30)  # a path each: concurrent GETs of one path are coalesced
            results[name] = (r.status_code, time.monotonic())  # when it ended
        except httpx.HTTPError as exc:
            results[name] = (type(exc).__name__, time.monotonic())

    calls = [threading.Thread(target=call, args=(f"short{i}", 1.5)) for i in range(2)]
    calls.append(threading.Thread(target=call, args=("long", 30)))
    try:
        for thread in calls:
            thread.start()
        deadline = time.monotonic() + 20  # all three in flight (reached the origin), however busy the machine
        while not all(origin.hits[path] for path in paths.values()) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)
        signalled = time.monotonic()
        code: list[int] = []
        stopper = threading.Thread(target=lambda: code.append(stop(served.proc, target)))
        stopper.start()
        time.sleep(0.4)
        during, readied = [], 0
        for _ in range(3):
            if time.monotonic() - signalled > GRACE - 0.5:
                # Past the grace period every worker may be gone and its listeners with it: a
                # CI machine four times over-subscribed once got here that late.
                break
            ready = _readyz(admin)  # first: the new request below may take a while on a busy machine
            assert ready.status_code == 503 and ready.json()["status"] == "stopping", ready.text
            readied += 1
            try:
                r = httpx.get(f"{edge}/new", timeout=5)
                during.append((r.status_code, r.headers.get("connection")))
            except httpx.ConnectError:
                during.append("refused")
            time.sleep(0.2)
        assert readied and during, "no /readyz answered within the grace period"
        for thread in calls:
            thread.join(40)
        stopper.join(40)
        return served, results, during, code, signalled, time.monotonic()
    finally:
        stop(served.proc)  # stopped already, unless something above failed


def _readyz(admin: str) -> httpx.Response:
    """/readyz during a stop. With several workers sharing the admin port (SO_REUSEPORT), a worker
    with nothing in flight finishes its drain at once and closes its listener: a connection the
    kernel had just queued on it is reset (a load balancer reads that as not ready too). A new
    connection goes to a worker still draining, which answers 503 `stopping`."""
    for attempt in range(5):
        try:
            return httpx.get(f"{admin}/readyz", timeout=5)
        except (httpx.RemoteProtocolError, httpx.ConnectError, httpx.ReadError):
            if attempt == 4:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


SIGNAL_TWICE = """
import asyncio, os, signal
from granian import _signals
from edge.server.serverhooks import install_granian_hooks
install_granian_hooks()
loop = asyncio.new_event_loop()
event = _signals.set_loop_signals(loop)  # as a Granian worker does, before its lifespan startup
os.kill(os.getpid(), signal.SIGTERM)
os.kill(os.getpid(), signal.SIGTERM)
loop.run_until_complete(asyncio.sleep(0.2))  # both handlers run here
print("handled")
"""


def test_a_granian_worker_signalled_twice_before_it_serves_does_not_hang():
    """A Granian worker gets SIGTERM from the process group and again from the main process.
    Granian's worker signal blocks on a second `set()` until its server takes the first, so a
    worker signalled twice during its start-up hung (and with it the whole stop) until
    SIGKILL. The hook sets it once."""
    pytest.importorskip("granian")
    done = subprocess.run([sys.executable, "-c", SIGNAL_TWICE], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "handled" in done.stdout, done.stdout + done.stderr
