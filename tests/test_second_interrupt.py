"""A second Ctrl-C cuts what is still in flight at once (docs/operations.md), under every
`--server` with several workers, whether the interrupts go to the process group (a terminal)
or to the main process alone: under Granian both requests ran to their end (8 s) before."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

import httpx
import pytest

from .test_hardening_http import start, stop
from .test_hardening_stop import manifest

CASES = [("granian", "group"), ("granian", "main"), ("hypercorn", "group"), ("uvicorn", "main")]


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory, origin) -> dict:  # type: ignore[no-untyped-def]
    """Every case side by side (each on its own server and paths): {case: Future of what it saw}."""
    with ThreadPoolExecutor(len(CASES)) as pool:
        starting = {case: pool.submit(start, tmp_path_factory.mktemp(f"{case[0]}-{case[1]}"), case[0], "--workers",
                                      "2", "--graceful-timeout", "30", manifest=manifest(origin.server.url))
                    for case in CASES}
        wait(list(starting.values()))
        outcomes = {case: pool.submit(_scenario, started.result(), case[1], origin) if started.exception() is None
                    else started
                    for case, started in starting.items()}
        wait(list(outcomes.values()))
    return outcomes


def _scenario(served, target: str, origin) -> tuple:  # type: ignore[no-untyped-def]
    """Two requests in flight, an interrupt, another a second later: what each request got and when."""
    edge = f"http://127.0.0.1:{served.port}"
    results: list[tuple[object, float]] = []
    paths = [f"/slow-{served.port}-{i}" for i in range(2)]

    def call(path: str) -> None:
        try:
            r = httpx.get(f"{edge}{path}?s=20", timeout=40)
            results.append((r.status_code, time.monotonic()))
        except httpx.HTTPError as exc:
            results.append((type(exc).__name__, time.monotonic()))

    def interrupt() -> None:
        if target == "group":
            os.killpg(served.proc.pid, signal.SIGINT)
        else:
            os.kill(served.proc.pid, signal.SIGINT)

    calls = [threading.Thread(target=call, args=(path,)) for path in paths]
    try:
        for thread in calls:
            thread.start()
        deadline = time.monotonic() + 20
        while not all(origin.hits[path] for path in paths) and time.monotonic() < deadline:
            time.sleep(0.02)
        interrupt()
        time.sleep(1.0)
        drained_first = served.proc.poll() is None  # the first one drains: requests in flight may finish
        second = time.monotonic()
        interrupt()
        for thread in calls:
            thread.join(30)
        code = served.proc.wait(30)
        return served, results, second, code, drained_first
    finally:
        stop(served.proc)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("server, target", CASES)
def test_a_second_interrupt_cuts_requests_in_flight(interrupted, server, target):
    served, results, second, code, drained_first = interrupted[(server, target)].result()
    log = served.log.read_text()
    assert drained_first, log
    assert len(results) == 2 and all(ended - second < 8 for _, ended in results), (results, second)
    assert all(status == 503 for status, _ in results), results  # answered: a 503 each
    assert code in (0, 1, -signal.SIGINT), (code, log)
    assert "Traceback" not in log, log
    assert "the stop was hurried (a second interrupt)" in log, log
