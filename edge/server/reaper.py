"""Closes client connections that sit idle, for a server that never does (Granian).

Granian (hyper) times out a request's headers once they start arriving, but a connection
that sends nothing (a fresh one, or a keep-alive one between requests) stays open for ever,
and each holds one of the worker's `backpressure` slots: a thousand silent sockets would stop
all edge traffic while the health checks still answer. Once a second this thread looks at the
worker's accepted connections on the edge port (`/proc/self/fd`, `TCP_INFO`) and shuts down
each one that has no request in flight and has neither received nor sent data for
`idle_seconds`; the server then sees its connection end and frees the slot. Linux only (where
`/proc` and `TCP_INFO` are); elsewhere it does not start.

A request is "in flight" once the app has it, so while the event loop is held up (a long
invalidation, a full garbage collection) requests that have arrived look idle: each sweep
also sends the loop a no-op callback, and while the previous one has not run, nothing is shut
down; afterwards a connection counts as idle only for the time since the loop ran again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .drain import Drain

log = logging.getLogger("edge.server")

IDLE_SECONDS = 5.0  # a connection's headers must arrive, and an idle one closes, within this (every server)
FD_DIR = "/proc/self/fd"
TCP_ESTABLISHED = 1
# struct tcp_info (linux/tcp.h): 8 bytes of u8 fields, then u32s; tcpi_last_data_sent is the
# 10th u32, tcpi_last_data_recv the 12th (milliseconds ago).
_TCP_INFO_BYTES = 104
_LAST_DATA_SENT = 8 + 9 * 4
_LAST_DATA_RECV = 8 + 11 * 4


def peer_key(host: str, port: int | str) -> tuple[str, int]:
    """One spelling of a client address for the server's scope and for getpeername() (Granian
    gives the scope's port as a string)."""
    return host.removeprefix("::ffff:"), int(port)


class ConnectionReaper:
    """A daemon thread closing idle client connections on `ports` (see the module docstring).

    `busy` returns the peers (`peer_key`) with a request in flight; it is called from this
    thread and must only read (e.g. copy a set) under the GIL."""

    def __init__(self, ports: Iterable[int], busy: Callable[[], set[tuple[str, int]]],
                 idle_seconds: float = 5.0, interval: float = 1.0,
                 loop: Callable[[], asyncio.AbstractEventLoop | None] = lambda: None) -> None:
        self.ports = frozenset(ports)
        self.busy = busy
        self.loop = loop  # the event loop that takes the requests (None: not known yet)
        self._probe_sent: float | None = None  # when the last no-op callback was sent to the loop
        self._probe_ran = 0.0  # when one last ran
        self._responsive_since = time.monotonic()  # the loop has been running callbacks since
        self.idle_ms = int(idle_seconds * 1000)
        self.interval = interval
        self.closed = 0  # connections shut down so far
        self._known: dict[int, tuple[str, int] | None] = {}  # socket inode -> client peer, or None: not ours
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def supported() -> bool:
        return hasattr(socket, "TCP_INFO") and os.path.isdir(FD_DIR)

    def start(self) -> ConnectionReaper:
        if self._thread is None and self.supported():
            self._thread = threading.Thread(target=self._run, name="edge-connection-reaper", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep()
            except Exception:  # never let one odd socket end the thread
                log.exception("connection reaper: sweep failed")

    def _responsive_ms(self) -> int:
        """How long the event loop has been taking callbacks (0: it is held up right now)."""
        loop = self.loop()
        now = time.monotonic()
        if loop is None:
            return 1 << 31
        if self._probe_sent is not None and self._probe_ran < self._probe_sent:
            return 0  # the last probe has not run: the loop is busy with one long thing
        if self._probe_sent is not None and self._probe_ran - self._probe_sent > self.interval:
            self._responsive_since = self._probe_ran  # it ran, but late: the loop was held up until then
        self._probe_sent = now
        try:
            loop.call_soon_threadsafe(self._probe_answered)
        except RuntimeError:  # the loop is closed (stopping)
            return 0
        return int((now - self._responsive_since) * 1000)

    def _probe_answered(self) -> None:
        self._probe_ran = time.monotonic()

    def sweep(self) -> int:
        """One pass; returns how many connections it shut down."""
        responsive = self._responsive_ms()
        if responsive < self.idle_ms:
            return 0
        busy = self.busy()
        seen: set[int] = set()
        shut = 0
        for name in os.listdir(FD_DIR):
            try:
                target = os.readlink(f"{FD_DIR}/{name}")
            except OSError:
                continue  # closed meanwhile
            if not target.startswith("socket:["):
                continue
            inode = int(target[8:-1])
            seen.add(inode)
            if inode in self._known and self._known[inode] is None:
                continue
            if self._visit(int(name), inode, busy):
                shut += 1
        for inode in self._known.keys() - seen:
            del self._known[inode]
        self.closed += shut
        return shut

    def _visit(self, fd: int, inode: int, busy: set[tuple[str, int]]) -> bool:
        try:
            sock = socket.socket(fileno=os.dup(fd))  # a duplicate: closing it leaves the server's open
        except OSError:
            return False
        with sock:
            try:
                peer = self._known.get(inode)
                if peer is None:
                    peer = self._classify(sock)
                    self._known[inode] = peer
                    if peer is None:
                        return False
                info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_BYTES)
                if info[0] != TCP_ESTABLISHED or peer in busy:
                    return False
                (sent,) = struct.unpack_from("I", info, _LAST_DATA_SENT)
                (received,) = struct.unpack_from("I", info, _LAST_DATA_RECV)
                if min(sent, received) < self.idle_ms:
                    return False
                sock.shutdown(socket.SHUT_RDWR)  # the server's own descriptor sees the end
                return True
            except OSError:
                return False

    def _classify(self, sock: socket.socket) -> tuple[str, int] | None:
        """The client's address if `sock` is a TCP connection accepted on one of our ports."""
        if sock.type != socket.SOCK_STREAM or sock.family not in (socket.AF_INET, socket.AF_INET6):
            return None
        if sock.getsockname()[1] not in self.ports:
            return None
        try:
            host, port = sock.getpeername()[:2]
        except OSError:
            return None  # the listening socket itself
        return peer_key(host, port)


def reap_idle_connections(port: int, drain: Drain, idle_seconds: float = IDLE_SECONDS) -> ConnectionReaper:
    """Start a reaper for this worker's edge `port`; busy peers are the drain's requests in flight."""

    def busy() -> set[tuple[str, int]]:
        return {peer_key(*request.client[:2]) for request in list(drain.requests) if request.client}

    return ConnectionReaper([port], busy, idle_seconds, loop=lambda: drain.loop).start()
