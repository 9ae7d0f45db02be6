"""A misbehaving origin for tests: a raw asyncio server on 127.0.0.1, in a thread of its own,
whose request paths name what it does wrong (tests/test_origin_faults.py).

Nothing here is HTTP done right on purpose: every answer is the bytes a scenario writes. It
counts the connections it accepted and those still open, so a test can tell whether the edge
let go of a connection it gave up on (a leak would keep one open until the origin's patience,
`HOLD`, runs out).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
import time
from collections.abc import Awaitable, Callable

Reader = asyncio.StreamReader
Writer = asyncio.StreamWriter
# a scenario gets the request head and writes what it wants; True keeps the connection for the next request
Scenario = Callable[[Reader, Writer, bytes], Awaitable[bool]]
HOLD = 30.0  # how long a silent scenario waits for the edge to give up (the tests wait far less)


class HostileOrigin:
    """Scenarios by path (`/name`, the query ignored); unknown paths get a plain 200."""

    def __init__(
        self, scenarios: dict[str, Scenario], tls: ssl.SSLContext | None = None,
        connection: Callable[[Reader, Writer], Awaitable[None]] | None = None,
    ) -> None:
        self.scenarios = scenarios
        self.tls = tls
        self.speak = connection  # a whole connection's behaviour instead of HTTP/1.1 scenarios
        self.accepted = 0
        self.open = 0
        self.heads: list[bytes] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="hostile-origin")

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> "HostileOrigin":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the hostile origin did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._server = loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0, ssl=self.tls, limit=1 << 20)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

    def settled(self, open_at_most: int = 0, wait: float = 10.0) -> bool:
        """Wait until at most `open_at_most` connections are still open (the edge closed the others)."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.open <= open_at_most:
                return True
            time.sleep(0.02)
        return self.open <= open_at_most

    # -- one connection -----------------------------------------------------------------------

    async def _connection(self, reader: Reader, writer: Writer) -> None:
        self.accepted += 1
        self.open += 1
        try:
            if self.speak is not None:
                await self.speak(reader, writer)
                return
            keep = True
            while keep:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                self.heads.append(head)
                await _read_body(reader, head)
                path = head.split(b" ", 2)[1].split(b"?", 1)[0].decode("latin-1")
                scenario = self.scenarios.get(path, plain)
                keep = await scenario(reader, writer, head)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError, ssl.SSLError):
            pass
        finally:
            self.open -= 1
            writer.close()


async def _read_body(reader: Reader, head: bytes) -> bytes:
    lines = [line.lower() for line in head.split(b"\r\n")]
    if b"transfer-encoding: chunked" in lines:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            body += (await reader.readexactly(size + 2))[:-2]
            if size == 0:
                return body
    length = next((int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length:")), 0)
    return await reader.readexactly(length) if length else b""


async def wait_for_close(reader: Reader, hold: float = HOLD) -> None:
    """Hold the connection, reading and dropping, until the edge closes it (or `hold` passes)."""
    try:
        async with asyncio.timeout(hold):
            while await reader.read(65536):
                pass
    except (TimeoutError, ConnectionError):
        pass


# -- building blocks for scenarios --------------------------------------------------------------


async def plain(reader: Reader, writer: Writer, head: bytes) -> bool:
    """A correct keep-alive answer naming the path."""
    body = head.split(b" ", 2)[1]
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n%s"
                 % (len(body), b"" if head.startswith(b"HEAD") else body))
    return True


def answer(raw: bytes, *, then_hold: bool = False, keep: bool = False) -> Scenario:
    """Write `raw` as it is; then close, keep the connection, or hold it until the edge closes it."""

    async def scenario(reader: Reader, writer: Writer, head: bytes) -> bool:
        writer.write(raw)
        await writer.drain()
        if then_hold:
            await wait_for_close(reader)
        return keep

    return scenario


async def http2_only(reader: Reader, writer: Writer) -> None:
    """An origin that speaks only HTTP/2 (prior knowledge or ALPN "h2"): anything else gets a
    GOAWAY, as such servers answer an HTTP/1.1 request."""
    import h2.config
    import h2.connection
    import h2.errors
    import h2.events
    import h2.exceptions

    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    conn.initiate_connection()
    writer.write(conn.data_to_send())
    while data := await reader.read(65536):
        try:
            events = conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            writer.write(conn.data_to_send())
            with contextlib.suppress(h2.exceptions.ProtocolError):
                conn.close_connection(h2.errors.ErrorCodes.PROTOCOL_ERROR)
            writer.write(conn.data_to_send())
            await writer.drain()
            return
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                conn.send_headers(event.stream_id, [(":status", "200"), ("content-length", "7")])
                conn.send_data(event.stream_id, b"over h2", end_stream=True)
        writer.write(conn.data_to_send())
        await writer.drain()
