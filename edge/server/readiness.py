"""Telling `edge serve` (and systemd) when a worker answers requests.

The `edge serve` process cannot tell by itself when the server is ready: the listening
sockets exist before the workers have loaded their functions. So it opens a Unix datagram
socket and names it in EDGE_NOTIFY_SOCKET; every worker sends `READY=1` and its pid there once
its app has booted (the sd_notify message and its MAINPID field). The `edge serve` process then
prints its "serving on" line and, when it runs under systemd with `Type=notify`, passes READY=1
on to systemd's NOTIFY_SOCKET, so the unit counts as started only when requests are answered.
The pids it heard from tell the worker supervisors (respawn.py) a worker that died while
booting (it cannot start: stop) from one that died serving (an OOM kill: start another).

When the stop begins (the first SIGTERM or SIGINT to `edge serve`), it sends systemd
`STOPPING=1` (`stopping_on_signal`), so the unit reads "deactivating" while requests drain,
whoever sent the signal (systemctl, `kill`, a container runtime).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger("edge.server")

NOTIFY_ENV = "EDGE_NOTIFY_SOCKET"
SYSTEMD_ENV = "NOTIFY_SOCKET"
READY = b"READY=1"
STOPPING = b"STOPPING=1"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


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


@contextlib.contextmanager
def stopping_on_signal() -> Iterator[None]:
    """While the server runs in this (the main) process, under systemd: STOPPING=1 as the
    first stop signal is handled, and at the end of the block if none came (the server stopped
    on its own). Each server installs its own stop handlers here (Granian's main process,
    Hypercorn's or uvicorn's single worker, edge's supervisor), and none calls the one it
    replaces: so every handler installed for a stop signal while the block runs (and the one
    in place when it starts) is wrapped to tell systemd first. A uvloop event loop installs
    its handler with the `signal.signal` it took when it was imported: the callbacks given to
    its add_signal_handler are wrapped instead. Nothing is wrapped outside systemd, or from a
    thread other than the main one (which cannot install handlers)."""
    if not os.environ.get(SYSTEMD_ENV) or threading.current_thread() is not threading.main_thread():
        yield
        return
    told = threading.Event()

    def tell() -> None:
        if not told.is_set():
            told.set()
            notify_systemd(STOPPING)

    def telling(handler: Any) -> Any:
        if not callable(handler) or getattr(handler, "_tells_systemd", False):
            return handler  # SIG_DFL, SIG_IGN, or wrapped already

        def handle(signum: int, frame: Any) -> Any:
            tell()
            return handler(signum, frame)

        handle._tells_systemd = True  # type: ignore[attr-defined]
        return handle

    install = signal.signal

    def installing(signum: int, handler: Any) -> Any:
        return install(signum, telling(handler) if signum in STOP_SIGNALS else handler)

    uvloop_class = getattr(sys.modules.get("uvloop"), "Loop", None)  # (imported by then: servers.resolve_loop)
    add = getattr(uvloop_class, "add_signal_handler", None)
    own_add = uvloop_class is not None and "add_signal_handler" in vars(uvloop_class)

    def adding(loop: Any, signum: int, callback: Callable[..., Any], *args: Any) -> Any:
        if signum in STOP_SIGNALS:
            inner = callback

            def callback(*given: Any) -> Any:
                tell()
                return inner(*given)

        return add(loop, signum, callback, *args)  # type: ignore[misc]

    for signum in STOP_SIGNALS:
        current = signal.getsignal(signum)
        if callable(current):  # (None: a handler not installed from Python, left as it is)
            install(signum, telling(current))
    signal.signal = installing  # type: ignore[assignment]
    if add is not None:
        uvloop_class.add_signal_handler = adding  # type: ignore[union-attr]
    try:
        yield
    finally:
        signal.signal = install
        if add is not None:
            if own_add:
                uvloop_class.add_signal_handler = add  # type: ignore[union-attr]
            else:
                del uvloop_class.add_signal_handler  # type: ignore[union-attr]
        tell()


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
