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


def _pairs(listener: socket.socket, sources: list[str]) -> tuple[list[socket.socket], list[socket.socket]]:
    clients, accepted = [], []
    for source in sources:
        client = socket.socket()
        client.bind((source, 0))
        client.connect(listener.getsockname())
        clients.append(client)
        accepted.append(listener.accept()[0])
    return clients, accepted


def test_the_reaper_closes_an_address_beyond_its_cap_and_everything_idle_under_pressure():
    """Beyond `per_address` connections from one address, that address's idle ones close after
    the short idle time, longest idle first, down to the cap (a busy one never, another address's
    not); while the worker holds 3/4 of its bound, every one idle that long closes."""
    from edge.server.reaper import ConnectionReaper, peer_key

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        clients, accepted = _pairs(listener, ["127.0.0.2"] * 5 + ["127.0.0.1"])
        try:
            for client, server_side in zip(clients, accepted):  # each answered once (a keep-alive connection)
                server_side.sendall(b"answer")
                client.recv(6)
            busy = {peer_key(*clients[4].getsockname())}  # one of 127.0.0.2's has a request in flight

            def send(n: int) -> None:
                clients[n].sendall(b"x")
                accepted[n].recv(1)

            capped = ConnectionReaper([port], lambda: busy, idle_seconds=30, short_idle_seconds=0.6, per_address=2,
                                      max_connections=100)
            assert capped.sweep() == 0  # none idle for 0.6 s yet
            time.sleep(0.7)
            send(2), send(3)
            assert capped.sweep() == 2  # 5 from 127.0.0.2, cap 2: the two idle ones (2 and 3 are recent, 4 busy)
            assert closed_within(clients[0], 1) and closed_within(clients[1], 1)
            time.sleep(0.4)
            send(2)
            time.sleep(0.4)
            assert capped.sweep() == 1 and closed_within(clients[3], 1)  # one over: the one idle longest
            assert capped.sweep() == 0  # at the cap (one of them busy); 127.0.0.1's is another address's
            assert not any(closed_within(sock, 0.1) for sock in (clients[2], clients[4], clients[5]))

            pressed = ConnectionReaper([port], lambda: busy, idle_seconds=30, short_idle_seconds=0.6,
                                       max_connections=4)  # pressure from 3 connections
            time.sleep(0.7)
            assert pressed.sweep() == 2 and pressed.pressed  # all but the busy one (of 3 open)
            assert not closed_within(clients[4], 0.1)
        finally:
            for sock in clients + accepted:
                sock.close()


def test_the_reaper_closes_a_connection_trickling_its_first_request_head():
    """A connection that keeps sending but has never been answered (a request head trickling
    in: slowloris) counts as idle since it was first seen; once answered, sending is not idle."""
    from edge.server.reaper import ConnectionReaper

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        clients, accepted = _pairs(listener, ["127.0.0.1", "127.0.0.1"])
        try:
            accepted[1].sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")  # the second was answered once
            clients[1].recv(100)
            reaper = ConnectionReaper([listener.getsockname()[1]], set, idle_seconds=0.6)
            started = time.monotonic()
            assert reaper.sweep() == 0  # first seen now
            while time.monotonic() - started < 0.8:
                for client, server_side in zip(clients, accepted):
                    client.sendall(b"x")
                    server_side.recv(1)
                time.sleep(0.1)
            assert reaper.sweep() == 1  # the unanswered one
            assert closed_within(clients[0], 1) and not closed_within(clients[1], 0.1)
        finally:
            for sock in clients + accepted:
                sock.close()


def test_per_address_keys_and_the_limits_behind_proxies(monkeypatch):
    """An IPv6 client counts by its /64 (one host has a whole /64 to pick from); behind trusted
    proxies (--proxy-hops) no cap per address applies: every connection is a proxy's."""
    import json

    from edge.server import serverhooks
    from edge.server.options_env import OPTIONS_ENV
    from edge.server.reaper import address_key

    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::7") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.7") == address_key("203.0.113.7") == "203.0.113.7"

    def limits(**options):  # type: ignore[no-untyped-def]
        monkeypatch.setenv(OPTIONS_ENV, json.dumps({"max_connections": 1024, "max_connections_per_address": 256,
                                                    "proxy_hops": 0, "admin_port": 9001, **options}))
        serverhooks.connection_limits.cache_clear()
        try:
            return serverhooks.connection_limits()
        finally:
            serverhooks.connection_limits.cache_clear()

    assert limits() == serverhooks.ConnectionLimits(1024, 256, 9001)
    assert limits(proxy_hops=1).per_address == 0
    assert limits(max_connections_per_address=0).per_address == 0
