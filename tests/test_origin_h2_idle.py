"""HTTP/2 origins over time, through the whole edge against real TLS origins on 127.0.0.1
(a certificate from a test CA):

- an origin that closes idle connections (Hypercorn with its `keep_alive_timeout`; an h2
  server of our own that says GOAWAY first, or just closes): the next request gets a new
  connection and its 200, instead of a 502 for the connection the origin closed (httpcore
  alone sent it on the closed connection: "Server disconnected");
- an origin that closes a kept-alive connection as the next request arrives (the race no
  check before sending can see): an idempotent request is sent once more on a new
  connection, a POST is not (attempts.py, `replayable`, the rule of the plain-HTTP client);
- an origin-request function setting many `keepaliveTimeout` values (one HTTP/2 pool each):
  at most `H2_POOLS` pools remain, one unused past its keep-alive timeout is closed, and the
  connections of the pools that went are closed (counted where the origin accepts them),
  without cutting off a response in flight.

Pauses straddle the origins' idle timeouts (0.5 s and 1 s); each test takes a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator

import pytest

from edge.upstream import h2pools

from .h2origin import HypercornH2
from .hostile_origin import HostileOrigin, Reader, Writer
from .test_origin_faults import _tls

METHODS = 'methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]\n'

# An origin-request function (C with the SDK: any language's would do) setting the origin's
# keepaliveTimeout to N for a URI starting /kaN/
KEEPALIVE_FROM_QUERY = """#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <stdlib.h>
#include <string.h>

int edge_main(edge_event *ev) {
    const char *uri = edge_uri(ev);
    if (uri && strncmp(uri, "/ka", 3) == 0 && uri[3] >= '0' && uri[3] <= '9') {
        char *end;
        long long seconds = strtoll(uri + 3, &end, 10);
        if (*end == '/' && edge_set_number(ev, "request.origin.custom.keepaliveTimeout", seconds) < 0) return -1;
    }
    return EDGE_OK;
}
"""


@pytest.fixture(scope="module")
def ca():  # type: ignore[no-untyped-def]
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


# -- origins ------------------------------------------------------------------------------------


def h2_speaker(seen: list[tuple[str, str]], idle: float | None = None, goaway: bool = True,
               drop_after: int | None = None):  # type: ignore[no-untyped-def]
    """One HTTP/2 connection's behaviour (HostileOrigin's `connection`): each request is
    answered with its path (one with `/slow` in it: the head, then the body 1 s later) and noted in `seen`.
    `idle`: close the connection after that many seconds with nothing received, with a GOAWAY
    first (`goaway`) or without a word; `drop_after`: close it, unanswered, when a request
    comes after that many were answered on it."""
    import h2.config
    import h2.connection
    import h2.events

    async def speak(reader: Reader, writer: Writer) -> None:
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        conn.initiate_connection()
        writer.write(conn.data_to_send())
        answered = 0
        pending: dict[int, tuple[bytes, bytes]] = {}

        async def answer(stream_id: int, path: bytes, method: bytes) -> None:
            if method == b"HEAD":
                conn.send_headers(stream_id, [(":status", "200")], end_stream=True)
                return
            conn.send_headers(stream_id, [(":status", "200"), ("content-length", str(len(path)))])
            if b"/slow" in path:
                writer.write(conn.data_to_send())
                await writer.drain()
                await asyncio.sleep(1.0)
            conn.send_data(stream_id, path, end_stream=True)

        while True:
            try:
                async with asyncio.timeout(idle):
                    data = await reader.read(65536)
            except TimeoutError:
                if goaway:
                    conn.close_connection()
                    writer.write(conn.data_to_send())
                    await writer.drain()
                return  # HostileOrigin closes the connection (TLS close_notify, then FIN)
            if not data:
                return
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    if drop_after is not None and answered >= drop_after:
                        return  # gone, no answer, no GOAWAY: as an origin's idle close meeting a request
                    fields = dict(event.headers)
                    seen.append((fields[b":method"].decode(), fields[b":path"].decode()))
                    if event.stream_ended:
                        await answer(event.stream_id, fields[b":path"], fields[b":method"])
                        answered += 1
                    else:
                        pending[event.stream_id] = (fields[b":path"], fields[b":method"])
                elif isinstance(event, h2.events.DataReceived):
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded) and event.stream_id in pending:
                    await answer(event.stream_id, *pending.pop(event.stream_id))
                    answered += 1
            writer.write(conn.data_to_send())
            await writer.drain()

    return speak


@contextlib.contextmanager
def h2_origin(ca, seen: list[tuple[str, str]], **behaviour) -> Iterator[HostileOrigin]:  # type: ignore[no-untyped-def]
    origin = HostileOrigin({}, tls=_tls(ca.issue_cert("127.0.0.1"), ("h2",)),
                           connection=h2_speaker(seen, **behaviour)).start()
    try:
        yield origin
    finally:
        origin.stop()


@pytest.fixture(scope="module")
def keepalive_wasm(tmp_path_factory) -> bytes:
    """KEEPALIVE_FROM_QUERY built once for the module's three tests that route through it (each
    edge built it again from its own copy of the source: a C build at every start)."""
    from edge import toolchain

    src = tmp_path_factory.mktemp("keepalive")
    (src / "main.c").write_text(KEEPALIVE_FROM_QUERY)
    return toolchain.build(src).read_bytes()


def _edge(edge_factory, tmp_path, ca, port: int, settings: str = "", function: bytes | None = None):  # type: ignore[no-untyped-def]
    """`function`: the keepalive function's module (keepalive_wasm), run as the origin-request hook."""
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    manifest = f'[origins.h2]\nurl = "https://127.0.0.1:{port}"\nca_file = "ca.pem"\nhttp2 = true\n{settings}\n'
    files = None
    if function:
        manifest += '[functions.keepalive]\nsource = "keepalive.wasm"\n'
        files = {"keepalive.wasm": function}
    manifest += ('[[behaviors]]\npath = "*"\norigin = "h2"\ncache = "disabled"\n' + METHODS
                 + ('origin_request = "keepalive"\n' if function else ""))
    return edge_factory(manifest, files)


def _ok(answered, path: str) -> None:  # type: ignore[no-untyped-def]
    assert answered.status_code == 200, answered.text
    assert answered.content == path.encode(), answered.text


# -- an origin that closes idle connections -------------------------------------------------------


@pytest.fixture
def hypercorn_origin(ca, tmp_path) -> Iterator[HypercornH2]:  # type: ignore[no-untyped-def]
    """Hypercorn closing connections idle for 1 s. Asked for before edge_factory, so stopped after
    the test's edge: stopped first, it waited (5 s, its thread's join bound) on the TLS close of
    the connection the edge still held, which the edge answered only at its own idle close."""
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "origin.pem"))
    origin = HypercornH2(str(tmp_path / "origin.pem"), keep_alive_timeout=1.0).start()
    try:
        yield origin
    finally:
        origin.stop()


def test_a_real_http2_origin_closing_idle_connections_costs_a_new_connection_not_a_502(ca, hypercorn_origin,
                                                                                       edge_factory, tmp_path):
    """Hypercorn closes a connection idle for 1 s (without a GOAWAY); the edge keeps it for
    its 5 s default. Before the fix the request after the close was a 502 ("Server
    disconnected"): httpcore judged the idle HTTP/2 connection by its own expiry alone."""
    origin = hypercorn_origin
    edge = _edge(edge_factory, tmp_path, ca, origin.port)
    _ok(edge.get("/a"), "/a")
    time.sleep(0.2)
    _ok(edge.get("/b"), "/b")
    assert origin.connections == 1  # reused within the origin's 1 s
    assert {seen.http_version for seen in origin.requests} == {"2"}
    time.sleep(1.5)  # the origin closed it
    _ok(edge.get("/c"), "/c")
    assert origin.connections == 2 and len(origin.requests) == 3
    time.sleep(1.5)
    _ok(edge.request("POST", "/d", content=b"posted"), "/d")  # any method: found closed before it was sent
    assert origin.connections == 3 and len(origin.requests) == 4
    _ok(edge.get("/e"), "/e")
    assert origin.connections == 3  # and the new one is kept as before


@pytest.mark.parametrize("goaway", [True, False], ids=["goaway", "close"])
def test_an_idle_connection_the_origin_closed_is_not_used_again(ca, edge_factory, tmp_path, goaway):
    seen: list[tuple[str, str]] = []
    with h2_origin(ca, seen, idle=0.5, goaway=goaway) as origin:
        edge = _edge(edge_factory, tmp_path, ca, origin.port)
        _ok(edge.get("/a"), "/a")
        _ok(edge.get("/b"), "/b")
        assert origin.accepted == 1
        time.sleep(1.0)  # past the origin's 0.5 s
        assert origin.settled(0)
        # a POST, never sent twice: only a connection known closed before it is sent spares it a
        # 502 (without that check, this test fails with a GOAWAY too)
        _ok(edge.request("POST", "/c", content=b"posted"), "/c")
        _ok(edge.get("/d"), "/d")
        assert origin.accepted == 2
        assert seen == [("GET", "/a"), ("GET", "/b"), ("POST", "/c"), ("GET", "/d")]  # each sent once


def test_a_connection_closed_as_the_request_arrives_is_retried_for_idempotent_requests_only(ca, edge_factory, tmp_path):
    """The origin answers one request per connection and closes it, unanswered, when the
    next comes: nothing tells the edge before it sends. GET and HEAD are sent once more on a
    new connection; POST is not (it may have reached the origin), nor a PUT whose body streams
    from the viewer (what was sent of it is gone): each is a 502, as over plain HTTP/1.1."""
    seen: list[tuple[str, str]] = []
    with h2_origin(ca, seen, drop_after=1) as origin:
        edge = _edge(edge_factory, tmp_path, ca, origin.port)
        _ok(edge.get("/a"), "/a")
        _ok(edge.get("/b"), "/b")  # the kept connection dropped it: sent again on a new one
        assert origin.accepted == 2
        assert edge.request("HEAD", "/c").status_code == 200
        assert origin.accepted == 3
        posted = edge.request("POST", "/d", content=b"once")
        assert posted.status_code == 502 and "Server disconnected" in posted.text, posted.text
        assert origin.accepted == 3  # not sent again
        _ok(edge.get("/e"), "/e")  # a failed connection is not used again
        assert origin.accepted == 4
        put = edge.request("PUT", "/f", content=b"once")
        assert put.status_code == 502 and "Server disconnected" in put.text, put.text
        _ok(edge.get("/g"), "/g")
        assert origin.accepted == 5  # the PUT was not sent again
        assert seen == [("GET", "/a"), ("GET", "/b"), ("HEAD", "/c"), ("GET", "/e"), ("GET", "/g")]
        assert origin.settled(1)


# -- many keep-alive timeouts -------------------------------------------------------------------


def test_many_keepalive_timeouts_from_a_function_leave_a_bounded_number_of_pools(ca, edge_factory, tmp_path, keepalive_wasm):
    seen: list[tuple[str, str]] = []
    with h2_origin(ca, seen) as origin:  # never closes a connection itself
        edge = _edge(edge_factory, tmp_path, ca, origin.port, function=keepalive_wasm)
        pools = edge.state.upstream._h2
        most = h2pools.H2_POOLS
        values = list(range(60, 60 - most - 4, -1))  # 20 values, all long: none expires during the test
        for value in values:
            _ok(edge.get(f"/ka{value}/k"), f"/ka{value}/k")
        assert origin.accepted == len(values)  # a pool, and a connection, for each value
        assert len(pools) == most
        assert origin.settled(most)  # the pools that went closed their idle connections
        _ok(edge.get(f"/ka{values[-1]}/k"), f"/ka{values[-1]}/k")
        assert origin.accepted == len(values)  # a value still pooled: its connection is reused
        _ok(edge.get(f"/ka{values[0]}/k"), f"/ka{values[0]}/k")
        assert origin.accepted == len(values) + 1  # one that went: a new pool
        assert len(pools) == most and origin.settled(most)


def test_a_pool_unused_past_its_keepalive_timeout_is_closed(ca, edge_factory, tmp_path, keepalive_wasm):
    seen: list[tuple[str, str]] = []
    with h2_origin(ca, seen) as origin:
        edge = _edge(edge_factory, tmp_path, ca, origin.port, function=keepalive_wasm)
        pools = edge.state.upstream._h2
        _ok(edge.get("/ka1/a"), "/ka1/a")
        _ok(edge.get("/ka30/b"), "/ka30/b")
        assert len(pools) == 2 and origin.accepted == 2
        time.sleep(1 + h2pools.H2_POOL_MARGIN + 0.3)
        assert origin.open == 2  # nothing closed the 1 s pool's connection yet (no timers)
        _ok(edge.get("/ka30/c"), "/ka30/c")  # any HTTP/2 request sweeps
        assert len(pools) == 1
        assert origin.settled(1)  # the 1 s pool went, and its idle connection with it
        assert origin.accepted == 2


def test_a_pool_that_goes_with_a_response_in_flight_lets_it_finish(ca, edge_factory, tmp_path, keepalive_wasm):
    seen: list[tuple[str, str]] = []
    with h2_origin(ca, seen) as origin:
        edge = _edge(edge_factory, tmp_path, ca, origin.port, function=keepalive_wasm)
        pools = edge.state.upstream._h2
        slow: list[object] = []
        reader = threading.Thread(target=lambda: slow.append(edge.get("/ka60/slow")))
        reader.start()
        deadline = time.monotonic() + 5
        while len(seen) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        for value in range(59, 59 - h2pools.H2_POOLS, -1):  # the slow one's pool is the oldest: it goes
            _ok(edge.get(f"/ka{value}/k"), f"/ka{value}/k")
        assert len(pools) == h2pools.H2_POOLS
        reader.join(10)
        _ok(slow[0], "/ka60/slow")  # whole: its pool waited for it
        assert origin.settled(h2pools.H2_POOLS)  # then closed, with its connection
        assert origin.accepted == h2pools.H2_POOLS + 1


def test_the_same_rule_holds_for_an_https_http1_origin(ca, edge_factory, tmp_path):
    """Over HTTP/1.1 and TLS (httpx with the LIFO pool, pool.py): a request that finds its kept
    connection closed before any answer is sent once more if it is idempotent, as over plain
    HTTP (tests/test_origin_faults.py) and HTTP/2 above."""
    answered: set[object] = set()

    async def drops_the_second_request(reader: Reader, writer: Writer, head: bytes) -> bool:
        peer = writer.get_extra_info("peername")
        if peer in answered:  # read it, then hang up without a word
            return False
        answered.add(peer)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True

    origin = HostileOrigin({"/drop": drops_the_second_request}, tls=_tls(ca.issue_cert("127.0.0.1"))).start()
    try:
        ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        edge = edge_factory(f'[origins.tls]\nurl = "https://127.0.0.1:{origin.port}"\nca_file = "ca.pem"\n'
                            '[[behaviors]]\npath = "*"\norigin = "tls"\ncache = "disabled"\n' + METHODS)
        assert edge.get("/drop").content == b"ok"
        assert edge.get("/drop").content == b"ok"  # the kept connection dropped it: sent again
        assert origin.accepted == 2
        posted = edge.request("POST", "/drop", content=b"once")
        assert posted.status_code == 502, posted.text
        assert origin.accepted == 2 and sum(h.startswith(b"POST") for h in origin.heads) == 1
    finally:
        origin.stop()
