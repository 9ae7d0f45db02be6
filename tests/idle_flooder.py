"""A client holding idle connections: `python idle_flooder.py PORT COUNT SECONDS SOURCE` keeps
COUNT connections from the address SOURCE to 127.0.0.1:PORT open, sending nothing, and opens a
new one whenever the server closes one (or answers it), until its standard input ends or
SECONDS have passed; then it closes them all and prints one JSON line of counts. It prints "holding" once COUNT were open
at the same time (or after 5 s). A process of its own: its descriptors and its CPU are not the
test's (tests/test_idle_flood.py)."""

from __future__ import annotations

import asyncio
import json
import resource
import socket
import sys


async def flood(port: int, count: int, seconds: float, source: str) -> dict[str, int]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    stop = asyncio.Event()
    loop.call_later(seconds, stop.set)

    def stdin_readable() -> None:
        if not sys.stdin.buffer.raw.read(4096):  # its end: the test is done
            loop.remove_reader(sys.stdin.fileno())
            stop.set()

    loop.add_reader(sys.stdin.fileno(), stdin_readable)
    counts = {"opened": 0, "closed_by_server": 0, "failed": 0, "open": 0, "most_open": 0}
    held = asyncio.Event()

    async def hold() -> None:
        while not stop.is_set():
            sock = socket.socket()
            sock.setblocking(False)
            try:
                sock.bind((source, 0))
                await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", port)), max(0.01, deadline - loop.time()))
            except (TimeoutError, OSError):
                sock.close()
                counts["failed"] += 1
                await asyncio.sleep(0.05)
                continue
            counts["opened"] += 1
            counts["open"] += 1
            counts["most_open"] = max(counts["most_open"], counts["open"])
            if counts["open"] >= count:
                held.set()
            ended = asyncio.ensure_future(loop.sock_recv(sock, 1))  # an end, or an answer (a 503) before one
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait([ended, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if ended.done():
                counts["closed_by_server"] += 1
                ended.exception()  # a reset is an end too (retrieved: not reported as unhandled)
            else:
                ended.cancel()
            counts["open"] -= 1
            sock.close()

    async def report() -> None:
        try:
            await asyncio.wait_for(held.wait(), 5)
        except TimeoutError:
            pass
        print("holding", flush=True)

    await asyncio.gather(report(), *(hold() for _ in range(count)))
    return counts


def main() -> None:
    port, count, seconds, source = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(json.dumps(asyncio.run(flood(port, count, seconds, source))), flush=True)


if __name__ == "__main__":
    main()
