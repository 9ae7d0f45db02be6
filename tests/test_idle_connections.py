"""Silent and idle client connections are closed after 5 s under every `--server`, and a slow
request in flight is not (Granian never closes a silent connection itself, and each one holds
a slot of its bounded connections: edge/server/reaper.py). Real `edge serve` processes, raw
sockets, a real slow origin."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from .test_hardening_http import SERVERS, read_all, read_until, start, stop

MAX_CONNECTIONS = 4


@pytest.fixture(scope="module")
def served(tmp_path_factory, origin):  # type: ignore[no-untyped-def]
    """Every server at once (started side by side): the scenario below waits 7 s of real time, once for all three."""
    manifest = f"""
[origins.slow]
url = "{origin.server.url}"

[[behaviors]]
path = "*"
origin = "slow"
cache = "disabled"
forward = {{ query_strings = "all" }}
"""
    with ThreadPoolExecutor(len(SERVERS)) as pool:  # started side by side, each waited for
        starting = {server: pool.submit(start, tmp_path_factory.mktemp(server), server, "--max-connections",
                                        str(MAX_CONNECTIONS), manifest=manifest) for server in SERVERS}
    try:
        yield {server: future.result() for server, future in starting.items()}  # a failed start raises here
    finally:
        for future in starting.values():
            if future.exception() is None:
                stop(future.result().proc)


def closed_within(sock: socket.socket, seconds: float) -> bool:
    return read_all(sock, seconds)[1]


def test_silent_and_idle_connections_close_after_5_s_and_a_slow_request_does_not(served):
    """More silent connections than the bound, one idle keep-alive connection and one request
    whose origin takes 7 s, all at once, under each server (the servers side by side)."""
    with ThreadPoolExecutor(len(served)) as pool:
        outcomes = {name: pool.submit(idle_scenario, s.port) for name, s in served.items()}
    for name, outcome in outcomes.items():
        error = outcome.exception()
        if error is not None:
            raise AssertionError(f"under {name}: {error!r}") from error


def idle_scenario(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=15) as slow, \
            socket.create_connection(("127.0.0.1", port), timeout=15) as idle:
        idle.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"origin /fast" in read_until(idle, b"origin /fast", 1)  # answered (read until its body is there: a kept-alive
        # connection is not read on until its idle close); the connection stays open, idle
        slow.sendall(b"GET /slow?s=7 HTTP/1.1\r\nHost: x\r\n\r\n")  # nothing comes back for 7 s
        silent = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(MAX_CONNECTIONS + 2)]
        try:
            started = time.monotonic()
            # each is closed once idle for 5 s (Granian and uvicorn: the reaper looks once a second)
            assert all(closed_within(sock, 9 - (time.monotonic() - started)) for sock in silent[:MAX_CONNECTIONS])
            reply = read_until(slow, b"origin /slow", 8)
            assert reply.startswith(b"HTTP/1.1 200") and b"origin /slow" in reply, reply[:200]
            assert time.monotonic() - started > 6  # it really waited past the idle bound
            # idle since its answer ~7 s ago (this was read after the slow reply's idle close, ~5 s later)
            assert closed_within(idle, 3)
            assert httpx.get(f"http://127.0.0.1:{port}/after", timeout=5).status_code == 200
        finally:
            for sock in silent:
                sock.close()


def test_the_reaper_spares_busy_and_recent_connections_and_shuts_idle_ones():
    """The reaper itself, on real loopback sockets of this process (Granian gives a scope's port
    as a string, getpeername() as a number: both must name the same peer)."""
    from edge.server.reaper import ConnectionReaper, peer_key

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        clients = [socket.create_connection(listener.getsockname()) for _ in range(3)]
        accepted = [listener.accept()[0] for _ in clients]
        try:
            busy_port = str(clients[0].getsockname()[1])  # as Granian's scope has it
            reaper = ConnectionReaper([listener.getsockname()[1]], lambda: {peer_key("127.0.0.1", busy_port)},
                                      idle_seconds=0.5)
            time.sleep(0.7)
            clients[2].sendall(b"x")  # recent data: not idle
            accepted[2].recv(1)
            assert reaper.sweep() == 1  # only the idle one, not the busy or the recent one
            assert closed_within(clients[1], 1)
            assert not closed_within(clients[0], 0.2) and not closed_within(clients[2], 0.2)
        finally:
            for sock in clients + accepted:
                sock.close()


def test_the_reaper_waits_while_the_event_loop_is_held_up():
    """A request that arrived while the loop was busy with one long thing (a big invalidation)
    is not in flight yet and looks idle: nothing is shut down while the loop does not answer,
    nor until it has run for the idle time again (the requests waiting meanwhile get their turn)."""
    import asyncio
    import threading

    from edge.server.reaper import ConnectionReaper

    loop = asyncio.new_event_loop()
    held = threading.Event()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        client = socket.create_connection(listener.getsockname())
        accepted = listener.accept()[0]
        try:
            reaper = ConnectionReaper([listener.getsockname()[1]], set, idle_seconds=0.5, interval=0.1,
                                      loop=lambda: loop)
            assert reaper.sweep() == 0  # sends the first probe; the loop has run for less than 0.5 s
            loop.call_soon_threadsafe(held.wait)  # the loop is held up from now on
            time.sleep(0.1)
            assert reaper.sweep() == 0  # the next sweep (every interval): its probe will not run
            time.sleep(0.8)
            for _ in range(3):
                assert reaper.sweep() == 0 and not closed_within(client, 0.1)  # idle 0.8 s+, but the loop is stuck
            held.set()
            time.sleep(0.2)
            assert reaper.sweep() == 0  # the loop runs again, for less than 0.5 s
            time.sleep(0.6)
            assert reaper.sweep() == 1 and closed_within(client, 1)
        finally:
            held.set()
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            loop.close()
            client.close()
            accepted.close()
