"""A minimal, fast HTTP/1.1 origin for benchmarks: keep-alive, fixed small responses.

It must never be the bottleneck, so it is a bare asyncio protocol (no framework), and it
runs in its own process. `python -m bench.origin --port 9000`. Paths:
  /slow?ms=N   answers after N ms (for timeout-ish scenarios)
  anything     200 with a small text body and `Cache-Control: max-age=3600`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

BODY = b"hello from the benchmark origin\n"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: max-age=3600\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


class OriginProtocol(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, rest = self.buffer.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip() or 0)
            if len(rest) < length:
                return
            self.buffer = rest[length:]
            target = head.split(b" ", 2)[1] if b" " in head else b"/"
            if target.startswith(b"/slow"):
                ms = int(target.rpartition(b"ms=")[2] or 100)
                asyncio.get_running_loop().call_later(ms / 1000, self._reply)
            else:
                self._reply()

    def _reply(self) -> None:
        if not self.transport.is_closing():  # type: ignore[attr-defined]
            self.transport.write(RESPONSE)  # type: ignore[attr-defined]


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(OriginProtocol, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
