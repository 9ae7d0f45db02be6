"""A viewer that leaves while a streamed origin body is silent releases the origin connection
at once: the edge waited for the origin's next bytes (up to read_timeout, 30 s by default)
before it noticed, holding the connection and the request's slot meanwhile."""

from __future__ import annotations

import asyncio
import socket
import time

from .hostile_origin import HostileOrigin, Reader, Writer, wait_for_close

MANIFEST = """
[origins.stalls]
url = "http://127.0.0.1:{port}"
read_timeout = 20

[[behaviors]]
path = "*"
origin = "stalls"
cache = "disabled"
"""


class FirstChunkThenSilence:
    """A chunked answer's first chunk, then nothing, until the edge closes the connection (timed)."""

    def __init__(self) -> None:
        self.closed_after: list[float] = []

    async def __call__(self, reader: Reader, writer: Writer, head: bytes) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        await writer.drain()
        answered = time.monotonic()
        await wait_for_close(reader, hold=30)
        self.closed_after.append(time.monotonic() - answered)
        return False


def test_a_viewer_leaving_a_silent_stream_releases_the_origin_at_once(edge_factory):
    scenario = FirstChunkThenSilence()
    origin = HostileOrigin({"/stall": scenario}).start()
    try:
        edge = edge_factory(MANIFEST.format(port=origin.port))
        host, port = edge.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as viewer:
            viewer.sendall(b"GET /stall HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"first" in viewer.recv(65536) or b"first" in viewer.recv(65536)
        deadline = time.monotonic() + 25
        while not scenario.closed_after and time.monotonic() < deadline:
            time.sleep(0.05)
        assert scenario.closed_after and scenario.closed_after[0] < 5, scenario.closed_after  # not the 20 s read_timeout
        assert edge.get("/after").status_code == 200
    finally:
        origin.stop()
