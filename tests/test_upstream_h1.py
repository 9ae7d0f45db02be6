"""The lean HTTP/1.1 client for plain-HTTP origins (edge/upstream/h1.py), through the real
upstream against real loopback origins: reuse, bodies of any size both ways, framings,
timeouts, origins that go away, and what is never reused."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from edge.upstream.http import HttpUpstream, OriginError, Target

BIG = bytes(range(256)) * 8192  # 2 MiB: more than the client buffers before pausing reads


class Origin:
    """A loopback origin counting connections; behaviour chosen by path."""

    def __init__(self) -> None:
        self.accepted = 0
        self.closed = 0  # connections that ended
        self.heads: list[bytes] = []
        self.bodies: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                path = head.split(b" ", 2)[1]
                lines = [line.lower() for line in head.split(b"\r\n")]
                length = next((int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length:")), 0)
                if b"transfer-encoding: chunked" in lines:
                    sent = b""
                    while True:
                        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                        chunk = await reader.readexactly(size + 2)
                        if size == 0:
                            break
                        sent += chunk[:-2]
                else:
                    sent = await reader.readexactly(length) if length else b""
                self.bodies.append(sent)
                if path == b"/hang":
                    await asyncio.sleep(5)
                    return
                if path == b"/cut":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
                    await writer.drain()
                    return
                if path == b"/chunked":
                    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                elif path == b"/close":
                    writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end")
                    await writer.drain()
                    return
                elif path == b"/empty":
                    writer.write(b"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n")
                elif path == b"/continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Fine\r\nContent-Length: 2\r\n\r\nok")
                else:
                    body = BIG if path == b"/big" else sent if path == b"/echo" else path
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n"
                                 % len(body) + (b"" if head.startswith(b"HEAD") else body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.closed += 1
            writer.close()

    async def __aenter__(self) -> "Origin":
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.target = Target("http", "127.0.0.1", self.server.sockets[0].getsockname()[1], read_timeout=0.5)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()


@pytest.fixture
async def upstream():  # type: ignore[no-untyped-def]
    up = HttpUpstream()
    yield up
    await up.aclose()


async def test_keep_alive_bodies_both_ways_and_framings(upstream) -> None:
    async with Origin() as origin:
        target = origin.target
        for path in ("/a", "/b", "/c"):
            response = await upstream.fetch(target, "GET", path, "q=1", [("Host", "o")], None)
            assert await response.read() == path.encode() + b"?q=1"
        assert origin.accepted == 1 and origin.heads[0].startswith(b"GET /a?q=1 HTTP/1.1\r\nHost: o\r\n")
        assert await (await upstream.fetch(target, "GET", "/big", "", [], None)).read() == BIG
        assert await (await upstream.fetch(target, "POST", "/echo", "", [], BIG)).read() == BIG

        async def pieces():  # a streamed request body goes chunked
            for part in (b"one ", b"two"):
                yield part

        assert await (await upstream.fetch(target, "PUT", "/echo", "", [], pieces())).read() == b"one two"
        chunked = await upstream.fetch(target, "GET", "/chunked", "", [], None)
        assert await chunked.read() == b"abcde"
        empty = await upstream.fetch(target, "GET", "/empty", "", [], None)
        assert empty.status == 204 and empty.body == b"" and ("X-A", "1") in empty.headers
        head = await upstream.fetch(target, "HEAD", "/h", "", [], None)
        assert head.status == 200 and head.body == b"" and head.header("content-length") == "2"
        interim = await upstream.fetch(target, "GET", "/continue", "", [], None)
        assert (interim.status, interim.reason, await interim.read()) == (200, "Fine", b"ok")
        closing = await upstream.fetch(target, "GET", "/close", "", [], None)
        assert await closing.read() == b"until the end"  # delimited by the end of the connection
        before = origin.accepted
        assert await (await upstream.fetch(target, "GET", "/after", "", [], None)).read() == b"/after"
        assert origin.accepted == before + 1  # the closed one was not reused


async def test_timeouts_and_broken_answers_are_origin_errors(upstream) -> None:
    async with Origin() as origin:
        with pytest.raises(OriginError) as silent:
            await upstream.fetch(origin.target, "GET", "/hang", "", [], None)
        assert silent.value.kind == "timeout"
        cut = await upstream.fetch(origin.target, "GET", "/cut", "", [], None)
        with pytest.raises(OriginError) as broken:
            await cut.read()
        assert broken.value.kind == "unreachable"
    with pytest.raises(OriginError) as nobody:
        await upstream.fetch(origin.target, "GET", "/", "", [], None)
    assert nobody.value.kind == "unreachable"
    with pytest.raises(OriginError, match="line break"):
        await upstream.fetch(origin.target, "GET", "/", "", [("X-Evil", "a\r\nX-Injected: 1")], None)
    with pytest.raises(OriginError, match="spaces or control"):
        await upstream.fetch(origin.target, "GET", "/a b", "", [], None)


async def test_an_idle_connection_the_origin_closed_is_replaced(upstream) -> None:
    accepted = 0

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        accepted += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")  # keep-alive, then hang up
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(once, "127.0.0.1", 0)
    target = Target("http", "127.0.0.1", server.sockets[0].getsockname()[1], read_timeout=0.5)
    try:
        for pause in (0.05, 0.0, 0.0):  # also when the close has not arrived yet: retried once
            response = await upstream.fetch(target, "GET", "/", "", [], None)
            assert await response.read() == b"ok"
            await asyncio.sleep(pause)
        assert accepted == 3
    finally:
        server.close()


async def test_an_idle_connection_is_reused_only_within_the_keepalive_timeout(upstream) -> None:
    """CloudFront's origin keep-alive timeout: a connection idle longer is closed, not reused
    (an origin with a shorter idle timeout of its own may be closing it as the request goes)."""
    async with Origin() as origin:
        target = dataclasses.replace(origin.target, keepalive_timeout=0.3)
        assert await (await upstream.fetch(target, "GET", "/a", "", [], None)).read() == b"/a"
        assert await (await upstream.fetch(target, "GET", "/b", "", [], None)).read() == b"/b"
        assert origin.accepted == 1  # within the timeout: reused
        await asyncio.sleep(0.5)
        assert await (await upstream.fetch(target, "GET", "/c", "", [], None)).read() == b"/c"
        assert origin.accepted == 2  # idle too long: a new connection
        for _ in range(50):  # the expired one was closed on our side, and the origin saw it end
            if origin.closed == 1:
                break
            await asyncio.sleep(0.01)
        assert origin.closed == 1
        slow = dataclasses.replace(origin.target, keepalive_timeout=60)
        await asyncio.sleep(0.5)
        assert await (await upstream.fetch(slow, "GET", "/d", "", [], None)).read() == b"/d"
        assert origin.accepted == 2  # a longer timeout keeps it


async def test_an_abandoned_body_closes_its_connection(upstream) -> None:
    async with Origin() as origin:
        response = await upstream.fetch(origin.target, "GET", "/big", "", [], None)
        stream = response.stream
        assert stream is not None
        await stream.__anext__()  # the viewer went away after the first piece
        await stream.aclose()
        await response.aclose()
        assert await (await upstream.fetch(origin.target, "GET", "/next", "", [], None)).read() == b"/next"
        assert origin.accepted == 2
