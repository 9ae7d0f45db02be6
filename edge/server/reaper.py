"""Closes client connections that sit idle, for a server that never does (Granian, uvicorn).

Granian (hyper) times out a request's headers once they start arriving, but a connection
that sends nothing (a fresh one, or a keep-alive one between requests) stays open for ever,
and each holds one of the worker's `backpressure` slots (--max-connections): connections beyond
them wait, unaccepted, until one closes. uvicorn has no timeout for a request's headers at all.
Once a second this thread looks at the worker's accepted connections on the edge port
(`/proc/self/fd`, `TCP_INFO`) and shuts down each one that has no request in flight and has
neither received nor sent data for `idle_seconds`, or was never answered (no complete request
head) that long after it was first seen; the server then sees its connection end and frees the
slot. Two rules close such connections sooner, after `short_idle_seconds` (1 s), so that
silent or trickling connections cannot keep others out:

- **per client address**: beyond `per_address` open connections from one address (an IPv6
  address counts by its /64), that address's, longest idle first, down to the cap;
- **under pressure**: while the worker holds 3/4 of `max_connections` or more, all of them.
  Sweeps then come every quarter second (less often when a sweep itself takes long), so a
  connection waiting for a slot waits about that long.

A connection with a request in flight, or one that received or sent data within the last
second after having been answered once (a keep-alive client, a load test), is never closed
by them. Linux only (where `/proc` and `TCP_INFO` are); elsewhere it does not start.

A request is "in flight" once the app has it, so while the event loop is held up (a long
invalidation, a full garbage collection) requests that have arrived look idle: each sweep
also sends the loop a no-op callback, and while the previous one has not run, nothing is shut
down; afterwards a connection counts as idle only for the time since the loop ran again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import socket
import stat
import struct
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .drain import Drain

log = logging.getLogger("edge.server")

IDLE_SECONDS = 5.0  # a connection's headers must arrive, and an idle one closes, within this (every server)
SHORT_IDLE_SECONDS = 1.0  # ...or this, beyond an address's cap or under pressure
PRESSURE = 0.75  # of max_connections: from here on, connections close after SHORT_IDLE_SECONDS
PRESSED_INTERVAL = 0.25  # seconds between sweeps under pressure...
MAX_SWEEP_SHARE = 1 / 3  # ...unless sweeping would take more of the worker's time than this
FD_DIR = "/proc/self/fd"
TCP_ESTABLISHED = 1
# struct tcp_info (linux/tcp.h): 8 bytes of u8 fields, then u32s; tcpi_last_data_sent is the
# 10th u32, tcpi_last_data_recv the 12th (milliseconds ago); tcpi_data_segs_out (segments
# with data sent: 0 while the server has answered nothing) is at 156 (Linux 4.6 and later).
_TCP_INFO_BYTES = 160
_LAST_DATA_SENT = 8 + 9 * 4
_LAST_DATA_RECV = 8 + 11 * 4
_DATA_SEGS_OUT = 156


def peer_key(host: str, port: int | str) -> tuple[str, int]:
    """One spelling of a client address for the server's scope and for getpeername() (Granian
    gives the scope's port as a string)."""
    return host.removeprefix("::ffff:"), int(port)


def address_key(host: str) -> str:
    """What a per-address limit counts by: the IPv4 address, or the /64 of an IPv6 one (one
    host commonly has a whole /64 to choose its addresses from)."""
    host = host.removeprefix("::ffff:")
    if ":" not in host:
        return host
    try:
        return str(ipaddress.IPv6Network((host.split("%", 1)[0], 64), strict=False))
    except ValueError:
        return host


class ConnectionReaper:
    """A daemon thread closing idle client connections on `ports` (see the module docstring).

    `busy` returns the peers (`peer_key`) with a request in flight; it is called from this
    thread and must only read (e.g. copy a set) under the GIL. `max_connections` (0: unknown)
    is the worker's bound, `per_address` (0: none) the cap per client address."""

    def __init__(self, ports: Iterable[int], busy: Callable[[], set[tuple[str, int]]],
                 idle_seconds: float = IDLE_SECONDS, interval: float = 1.0,
                 loop: Callable[[], asyncio.AbstractEventLoop | None] = lambda: None, *,
                 max_connections: int = 0, per_address: int = 0,
                 short_idle_seconds: float = SHORT_IDLE_SECONDS) -> None:
        self.ports = frozenset(ports)
        self.busy = busy
        self.loop = loop  # the event loop that takes the requests (None: not known yet)
        self._probe_sent: float | None = None  # when the last no-op callback was sent to the loop
        self._probe_ran = 0.0  # when one last ran
        self._responsive_since = time.monotonic()  # the loop has been running callbacks since
        self.idle_ms = int(idle_seconds * 1000)
        self.short_idle_ms = int(short_idle_seconds * 1000)
        self.interval = interval
        self.pressure = int(max_connections * PRESSURE) if max_connections else 0
        self.per_address = per_address
        self.pressed = False  # the last sweep found the worker under pressure: the next one comes sooner
        self.closed = 0  # connections shut down so far
        # socket inode -> (client peer, when first seen), or None: not ours
        self._known: dict[int, tuple[tuple[str, int], float] | None] = {}
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
        wait = self.interval
        while not self._stop.wait(wait):
            started = time.monotonic()
            try:
                self.sweep()
            except Exception:  # never let one odd socket end the thread
                log.exception("connection reaper: sweep failed")
            took = time.monotonic() - started
            wait = max(PRESSED_INTERVAL, took / MAX_SWEEP_SHARE) if self.pressed else self.interval

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
        if responsive < min(self.idle_ms, self.short_idle_ms):
            self.pressed = False
            return 0
        busy = self.busy()
        # (fd, inode, ms it has been idle or unanswered: 0 with a request in flight) per connection
        connections: list[tuple[int, int, int]] = []
        by_address: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for fd, inode, peer, idle in self._connections():
            idle = 0 if peer in busy else min(idle, responsive)
            connections.append((fd, inode, idle))
            if self.per_address:
                by_address[address_key(peer[0])].append((idle, fd))
        doomed = {fd for fd, _, idle in connections if idle >= self.idle_ms}
        for held in by_address.values():
            excess = len(held) - self.per_address - sum(fd in doomed for _, fd in held)
            for idle, fd in sorted(held, reverse=True):  # longest idle first
                if excess <= 0 or idle < self.short_idle_ms:
                    break
                if fd not in doomed:
                    doomed.add(fd)
                    excess -= 1
        self.pressed = bool(self.pressure) and len(connections) >= self.pressure
        if self.pressure and len(connections) - len(doomed) >= self.pressure:
            doomed.update(fd for fd, _, idle in connections if idle >= self.short_idle_ms)
        shut = sum(self._shut(fd, inode) for fd, inode, _ in connections if fd in doomed)
        self.closed += shut
        return shut

    def _connections(self) -> list[tuple[int, int, tuple[str, int], int]]:
        """(fd, inode, peer, ms) of the established connections accepted on our ports: the ms
        since data last went either way, or, for one never answered (no complete request head
        yet, or one in flight), since it was first seen if that is longer. Per descriptor an
        fstat and one getsockopt (a readlink or a dup each cost several times that)."""
        now = time.monotonic()
        seen: set[int] = set()
        found = []
        for name in os.listdir(FD_DIR):
            fd = int(name)
            try:
                st = os.fstat(fd)
            except OSError:
                continue  # closed meanwhile (or the directory's own descriptor)
            if not stat.S_ISSOCK(st.st_mode):
                continue
            inode = st.st_ino
            seen.add(inode)
            if inode in self._known:
                known = self._known[inode]
            else:
                peer = self._classify(fd)
                known = self._known[inode] = None if peer is None else (peer, now)
            if known is None:
                continue
            info = _tcp_info(fd)
            if info is None or info[0] != TCP_ESTABLISHED:
                continue
            (sent,) = struct.unpack_from("I", info, _LAST_DATA_SENT)
            (received,) = struct.unpack_from("I", info, _LAST_DATA_RECV)
            idle = min(sent, received)
            if len(info) >= _DATA_SEGS_OUT + 4 and struct.unpack_from("I", info, _DATA_SEGS_OUT)[0] == 0:
                idle = max(idle, int((now - known[1]) * 1000))  # trickling its first request's head
            found.append((fd, inode, known[0], idle))
        for inode in self._known.keys() - seen:
            del self._known[inode]
        return found

    def _classify(self, fd: int) -> tuple[str, int] | None:
        """The client's address if `fd` is a TCP connection accepted on one of our ports."""
        try:
            sock = socket.socket(fileno=fd)  # the server's own descriptor: detached, never closed here
        except OSError:
            return None
        try:
            if sock.type != socket.SOCK_STREAM or sock.family not in (socket.AF_INET, socket.AF_INET6):
                return None
            if sock.getsockname()[1] not in self.ports:
                return None
            host, port = sock.getpeername()[:2]
            return peer_key(host, port)
        except OSError:
            return None  # the listening socket itself, or closed meanwhile
        finally:
            sock.detach()

    @staticmethod
    def _shut(fd: int, inode: int) -> bool:
        """Shut the connection down (the server's own descriptor sees the end and closes it),
        if `fd` is still that connection. Through a duplicate whose inode is checked: the
        server's threads may close `fd` and reuse its number for a new viewer at any moment,
        and a shutdown through the number could then cut that viewer instead."""
        try:
            dup = os.dup(fd)
        except OSError:
            return False  # closed meanwhile
        try:
            same = os.fstat(dup).st_ino == inode  # else closed, and its number reused since
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, fileno=dup) if same else None
        except OSError:
            sock = None
        if sock is None:
            os.close(dup)
            return False
        try:
            sock.shutdown(socket.SHUT_RDWR)  # acts on the connection, whichever descriptor names it
            return True
        except OSError:
            return False
        finally:
            sock.close()  # the duplicate only


def _tcp_info(fd: int) -> bytes | None:
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, fileno=fd)  # any family reads TCP_INFO
    except OSError:
        return None
    try:
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_BYTES)
    except OSError:
        return None
    finally:
        sock.detach()


def reap_idle_connections(port: int, drain: Drain, idle_seconds: float = IDLE_SECONDS, *,
                          max_connections: int = 0, per_address: int = 0) -> ConnectionReaper:
    """Start a reaper for this worker's edge `port`; busy peers are the drain's requests in flight."""

    def busy() -> set[tuple[str, int]]:
        return {peer_key(*request.client[:2]) for request in list(drain.requests) if request.client}

    return ConnectionReaper([port], busy, idle_seconds, loop=lambda: drain.loop,
                            max_connections=max_connections, per_address=per_address).start()
