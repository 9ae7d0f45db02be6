"""The asyncio network backend for plain-HTTP origins (edge/upstream/aio.py), through the
real upstream: bodies of any size, timeouts, and origins that go away."""

from __future__ import annotations

import asyncio

import pytest

from edge.upstream.aio import AsyncioStream
from edge.upstream.http import HttpUpstream, OriginError, Target

BIG = bytes(range(256)) * 8192  # 2 MiB: more than the backend buffers before pausing reads


async def serve(handler):  # type: ignore[no-untyped-def]
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, Target("http", "127.0.0.1", server.sockets[0].getsockname()[1], read_timeout=0.3)


async def answering(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1]
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            sent = await reader.readexactly(length) if length else b""
            if path == b"/big":
                body = BIG
            elif path == b"/echo":
                body = sent
            elif path == b"/hang":
                await asyncio.sleep(5)
                return
            elif path == b"/cut":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
                await writer.drain()
                writer.close()
                return
            else:
                body = path
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def test_plain_http_origins_use_the_asyncio_backend_for_any_body_size() -> None:
    server, target = await serve(answering)
    upstream = HttpUpstream()
    try:
        small = await upstream.fetch(target, "GET", "/small", "", [("Host", "o")], None)
        assert await small.read() == b"/small"
        big = await upstream.fetch(target, "GET", "/big", "", [("Host", "o")], None)
        assert await big.read() == BIG
        echoed = await upstream.fetch(target, "POST", "/echo", "", [("Host", "o")], BIG)
        assert await echoed.read() == BIG
        pool = upstream._clients[(False, True)]._transport._pool  # noqa: SLF001
        (connection,) = pool.connections
        assert isinstance(connection._connection._network_stream, AsyncioStream)  # noqa: SLF001
    finally:
        await upstream.aclose()
        server.close()


async def test_a_silent_origin_times_out() -> None:
    server, target = await serve(answering)
    upstream = HttpUpstream()
    try:
        with pytest.raises(OriginError) as failed:
            await upstream.fetch(target, "GET", "/hang", "", [("Host", "o")], None)
        assert failed.value.kind == "timeout"
    finally:
        await upstream.aclose()
        server.close()


async def test_an_origin_breaking_off_the_body_is_reported() -> None:
    server, target = await serve(answering)
    upstream = HttpUpstream()
    try:
        response = await upstream.fetch(target, "GET", "/cut", "", [("Host", "o")], None)
        with pytest.raises(OriginError) as failed:
            await response.read()
        assert failed.value.kind == "unreachable"
    finally:
        await upstream.aclose()
        server.close()


async def test_an_idle_connection_the_origin_closed_is_replaced() -> None:
    accepted = 0

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        accepted += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")  # keep-alive, then hang up
        await writer.drain()
        writer.close()

    server, target = await serve(once)
    upstream = HttpUpstream()
    try:
        for _ in range(3):
            response = await upstream.fetch(target, "GET", "/", "", [("Host", "o")], None)
            assert await response.read() == b"ok"
            await asyncio.sleep(0.05)  # the origin's close has arrived
        assert accepted == 3
    finally:
        await upstream.aclose()
        server.close()
