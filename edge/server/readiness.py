"""Telling `edge serve` (and systemd) when a worker answers requests.

The `edge serve` process cannot tell by itself when the server is ready: the listening
sockets exist before the workers have loaded their functions. So it opens a Unix datagram
socket and names it in EDGE_NOTIFY_SOCKET; every worker sends `READY=1` and its pid there once
its app has booted (the sd_notify message and its MAINPID field). The `edge serve` process then
prints its "serving on" line and, when it runs under systemd with `Type=notify`, passes READY=1
on to systemd's NOTIFY_SOCKET, so the unit counts as started only when requests are answered.
The pids it heard from tell the worker supervisors (respawn.py) a worker that died while
booting (it cannot start: stop) from one that died serving (an OOM kill: start another).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("edge.server")

NOTIFY_ENV = "EDGE_NOTIFY_SOCKET"
SYSTEMD_ENV = "NOTIFY_SOCKET"
READY = b"READY=1"


def _send(address: str, message: bytes) -> None:
    if address.startswith("@"):  # Linux abstract namespace (systemd uses it)
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.send(message)


def notify_ready() -> None:
    """Called by a worker once its app has booted; does nothing outside `edge serve`."""
    address = os.environ.get(NOTIFY_ENV)
    if not address:
        return
    try:
        _send(address, READY + b"\nMAINPID=%d" % os.getpid())
    except OSError as exc:  # the parent went away: nobody to tell
        log.debug("cannot notify readiness at %s: %s", address, exc)


def notify_systemd(message: bytes = READY) -> bool:
    """Pass a message on to systemd when this process runs as a `Type=notify` service."""
    address = os.environ.get(SYSTEMD_ENV)
    if not address:
        return False
    try:
        _send(address, message)
    except OSError as exc:
        log.warning("cannot notify systemd at %s: %s", address, exc)
        return False
    return True


_booted: set[int] = set()  # workers' pids that reported READY=1 to a running ReadyWatch
_booted_changed = threading.Condition()
_watching = 0  # ReadyWatch instances listening in this process


def worker_booted(pid: int, wait: float = 0.25) -> bool | None:
    """Whether worker `pid` reported that it booted; None when no ReadyWatch listens here.
    Waits up to `wait` seconds for a report still in flight (sent just before the worker died)."""
    with _booted_changed:
        if not _watching:
            return None
        _booted_changed.wait_for(lambda: pid in _booted, timeout=wait)
        return pid in _booted


def forget_worker(pid: int) -> None:
    """A dead worker's report no longer counts: its pid may be reused by a later worker."""
    with _booted_changed:
        _booted.discard(pid)


class ReadyWatch:
    """In the `edge serve` process: `on_ready` runs (on a daemon thread) when the first worker
    reports ready; every worker's report is kept for worker_booted(). Set up before the server
    starts; its environment variable reaches workers."""

    def __init__(self, on_ready: Callable[[], None]) -> None:
        self.on_ready = on_ready
        self._dir = tempfile.mkdtemp(prefix="edge-notify-")
        self.address = str(Path(self._dir) / "ready.sock")
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.address)
        self._sock.settimeout(0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._wait, name="edge-ready-watch", daemon=True)

    def start(self) -> "ReadyWatch":
        global _watching
        os.environ[NOTIFY_ENV] = self.address
        with _booted_changed:
            _watching += 1
        self._thread.start()
        return self

    def _wait(self) -> None:
        announced = False
        while not self._stop.is_set():
            try:
                message = self._sock.recv(256)
            except TimeoutError:
                continue
            except OSError:  # closed
                return
            fields = message.strip().split(b"\n")
            if fields[0] != READY:
                continue
            for field in fields[1:]:
                name, _, value = field.partition(b"=")
                if name == b"MAINPID" and value.isdigit():
                    with _booted_changed:
                        _booted.add(int(value))
                        _booted_changed.notify_all()
            if not announced:
                announced = True
                try:
                    self.on_ready()
                except Exception:  # a report line must never stop the server
                    log.exception("reporting readiness failed")

    def close(self) -> None:
        global _watching
        os.environ.pop(NOTIFY_ENV, None)
        if not self._stop.is_set():
            with _booted_changed:
                _watching -= 1
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(2)
        with contextlib.suppress(OSError):
            self._sock.close()
        shutil.rmtree(self._dir, ignore_errors=True)
