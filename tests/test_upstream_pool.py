"""The HTTP/1.1 origin connection pool for TLS origins (edge/upstream/pool.py) inside httpx:
connections are reused, bounded, replaced when the origin closed them, and never leaked by
failures (tested over plain HTTP, where it behaves the same); and the upstream as a whole."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from edge.upstream.http import HttpUpstream, OriginError, Target
from edge.upstream.pool import LifoPool


class Origin:
    """A loopback HTTP/1.1 server counting connections; /slow waits, /close closes after answering."""

    def __init__(self) -> None:
        self.accepted = 0
        self.open = 0
        self.max_open = 0
        self.server: asyncio.base_events.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.open += 1
        self.max_open = max(self.max_open, self.open)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1]
                if path.startswith(b"/slow"):
                    await asyncio.sleep(0.05)
                close = path.startswith(b"/close")
                body = path
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s"
                             % (len(body), b"Connection: close\r\n" if close else b"", body))
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()

    async def __aenter__(self) -> "Origin":
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()


def client(max_connections: int = 16) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    transport._pool = LifoPool(None, max_connections, 8, 5.0)  # type: ignore[assignment]
    return httpx.AsyncClient(transport=transport, trust_env=False)


async def test_sequential_requests_reuse_one_connection() -> None:
    async with Origin() as origin, client() as http:
        for i in range(20):
            r = await http.get(f"http://127.0.0.1:{origin.port}/n{i}")
            assert r.status_code == 200 and r.text == f"/n{i}"
        assert origin.accepted == 1


async def test_connections_are_bounded_and_callers_wait_for_a_slot() -> None:
    async with Origin() as origin, client(max_connections=2) as http:
        answers = await asyncio.gather(*(http.get(f"http://127.0.0.1:{origin.port}/slow{i}") for i in range(8)))
        assert [r.text for r in answers] == [f"/slow{i}" for i in range(8)]
        assert origin.max_open <= 2


async def test_a_connection_the_origin_closed_is_not_reused() -> None:
    async with Origin() as origin, client() as http:
        assert (await http.get(f"http://127.0.0.1:{origin.port}/close")).text == "/close"
        await asyncio.sleep(0.05)
        assert (await http.get(f"http://127.0.0.1:{origin.port}/after")).text == "/after"
        assert origin.accepted == 2


async def test_unreachable_origins_do_not_leak_slots() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    async with client(max_connections=1) as http:
        for _ in range(5):
            with pytest.raises(httpx.ConnectError):
                await http.get(f"http://127.0.0.1:{port}/")


async def test_an_unread_stream_closed_early_returns_its_slot() -> None:
    async with Origin() as origin, client(max_connections=1) as http:
        for i in range(3):
            async with http.stream("GET", f"http://127.0.0.1:{origin.port}/s{i}") as r:
                assert r.status_code == 200  # body left unread
        assert (await http.get(f"http://127.0.0.1:{origin.port}/last")).text == "/last"


async def test_http_upstream_reuses_connections_to_http1_origins() -> None:
    upstream = HttpUpstream()
    try:
        async with Origin() as origin:
            target = Target("http", "127.0.0.1", origin.port)
            for i in range(3):
                response = await upstream.fetch(target, "GET", f"/u{i}", "", [("Host", "origin")], None)
                assert await response.read() == f"/u{i}".encode()
            assert origin.accepted == 1
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            nobody = Target("http", "127.0.0.1", s.getsockname()[1])
        with pytest.raises(OriginError) as failed:
            await upstream.fetch(nobody, "GET", "/", "", [], None)
        assert failed.value.kind == "unreachable"
    finally:
        await upstream.aclose()


async def test_an_origin_cookie_is_never_sent_with_another_request() -> None:
    """The upstream is shared by every viewer: it must not keep a cookie jar."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                seen.append(b"".join(line for line in head.split(b"\r\n") if line.lower().startswith(b"cookie")))
                writer.write(b"HTTP/1.1 200 OK\r\nSet-Cookie: session=ALICE; Path=/\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    upstream = HttpUpstream()
    try:
        target = Target("http", "127.0.0.1", server.sockets[0].getsockname()[1])
        first = await upstream.fetch(target, "GET", "/login", "", [("Host", "o")], None)
        assert ("Set-Cookie", "session=ALICE; Path=/") in first.headers
        await first.read()
        second = await upstream.fetch(target, "GET", "/page", "", [("Host", "o")], None)
        await second.read()
        assert seen == [b"", b""]
    finally:
        await upstream.aclose()
        server.close()
