"""A plain-asyncio network backend for httpcore (plain-HTTP origins).

httpcore reaches sockets through anyio, which wraps every read and write in a cancel scope
for its timeout and adds checkpoints; on a proxied request that is a good share of the
origin round trip's Python time (bench/README.md). This backend is an asyncio `Protocol`:
a read is one future resolved by `data_received`, its timeout one `call_later`, a write
goes straight to the transport. HTTP/1.1, timeouts and errors stay httpcore's: it only
replaces the socket layer, and raises the same httpcore exceptions anyio's backend does.
TLS origins keep anyio's backend (`LifoPool` picks this one for `http://` only).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpcore

_BUFFER_LIMIT = 256 * 1024  # pause reading when this much is buffered and unread


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.lost: BaseException | None = None
        self.reader: asyncio.Future[None] | None = None
        self.writer: asyncio.Future[None] | None = None
        self.write_paused = False
        self.read_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _BUFFER_LIMIT and self.transport is not None and not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False

    def connection_lost(self, exc: BaseException | None) -> None:
        self.eof = True
        self.lost = exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        self._wake_writer()

    def _wake_reader(self) -> None:
        waiter, self.reader = self.reader, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_writer(self) -> None:
        waiter, self.writer = self.writer, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


async def _wait(waiter: asyncio.Future[None], timeout: float | None) -> None:
    """Await `waiter`; TimeoutError after `timeout` seconds (None: no limit)."""
    if timeout is None:
        await waiter
        return
    handle = asyncio.get_running_loop().call_later(timeout, _expire, waiter)
    try:
        await waiter
    finally:
        handle.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        p = self._protocol
        if not p.buffer and not p.eof:
            p.reader = waiter = asyncio.get_running_loop().create_future()
            try:
                await _wait(waiter, timeout)
            except TimeoutError:
                raise httpcore.ReadTimeout("timed out reading from the origin") from None
        if not p.buffer:
            if p.lost is not None:
                raise httpcore.ReadError(str(p.lost) or type(p.lost).__name__)
            return b""  # the origin closed the connection
        data = bytes(p.buffer[:max_bytes])
        del p.buffer[:max_bytes]
        if p.read_paused and len(p.buffer) <= _BUFFER_LIMIT // 2:
            p.read_paused = False
            self._transport.resume_reading()
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        p = self._protocol
        if p.lost is not None or self._transport.is_closing():
            raise httpcore.WriteError("the connection to the origin is closed")
        self._transport.write(buffer)
        while p.write_paused and p.lost is None:  # flow control: wait until the kernel takes more
            p.writer = waiter = asyncio.get_running_loop().create_future()
            try:
                await _wait(waiter, timeout)
            except TimeoutError:
                raise httpcore.WriteTimeout("timed out writing to the origin") from None
        if p.lost is not None:
            raise httpcore.WriteError(str(p.lost) or "the connection to the origin was lost")

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.UnsupportedProtocol("TLS goes through the default backend")

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # an idle connection with data or EOF waiting was closed by the origin
            return bool(self._protocol.buffer) or self._protocol.eof
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        if socket_options:
            raise httpcore.UnsupportedProtocol("socket options go through the default backend")
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        try:
            transport, protocol = await asyncio.wait_for(
                loop.create_connection(_Protocol, host, port, local_addr=local), timeout
            )
        except (TimeoutError, asyncio.TimeoutError):
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from None
        return AsyncioStream(transport, protocol)  # type: ignore[arg-type]

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise httpcore.UnsupportedProtocol("unix sockets go through the default backend")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
