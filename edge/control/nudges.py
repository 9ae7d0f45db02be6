"""Nudges: the embedded store's workers wake each other after a change, instead of polling.

SQLite cannot notify, so a worker's watcher reads the store's revision every 100 ms. With
several workers that made a change answered by one of them wait for the others' next poll
(convergence.py waits for every worker of the node): ~50–100 ms more per deploy. A worker that
commits a change now sends one datagram to each of its siblings, whose watcher wakes at once;
the poll stays as the safety net (a nudge lost or never sent changes only how soon).

Each listening process binds a Linux abstract-namespace datagram socket named after the store
and its pid (no path-length limit, nothing left on disk by a killed process) and marks itself
with an empty file `<store>/nudges/<pid>`, which is how a writer finds whom to nudge. A marker
whose socket no longer answers (its process died) is removed by the next writer. A datagram
carries nothing: whoever sends one only makes a watcher read the revision sooner. Elsewhere
than Linux (no abstract namespace) nothing listens and the watchers poll, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import sys
import threading
from pathlib import Path

log = logging.getLogger("edge.control")

SUPPORTED = sys.platform.startswith("linux")


def _address(tag: str, pid: int) -> bytes:
    return b"\0edge-nudge-" + tag.encode() + b"-" + str(pid).encode()


class Nudges:
    """Marker files and abstract sockets under one store directory."""

    def __init__(self, store_dir: Path) -> None:
        self.directory = store_dir / "nudges"
        self.tag = hashlib.sha256(str(store_dir.resolve()).encode()).hexdigest()[:16]
        self.pid = os.getpid()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    def listen(self, wake: threading.Event) -> bool:
        """Set `wake` whenever a sibling nudges this process; False when this cannot listen
        (not Linux, the name taken, the directory not writable): the watcher polls then."""
        if not SUPPORTED:
            return False
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.bind(_address(self.tag, self.pid))
            self.directory.mkdir(exist_ok=True)
            (self.directory / str(self.pid)).touch()
        except OSError as exc:
            sock.close()
            log.debug("store nudges: not listening (%s); the watcher polls", exc)
            return False
        self._sock = sock
        self._thread = threading.Thread(target=self._receive, args=(sock, wake), name="edge-store-nudges", daemon=True)
        self._thread.start()
        return True

    def _receive(self, sock: socket.socket, wake: threading.Event) -> None:
        while True:
            try:
                sock.recv(16)
            except OSError:  # closed
                return
            if self._closed:
                return
            wake.set()

    def announce(self) -> None:
        """Wake every other listening process of this store (best effort, never raises)."""
        if not SUPPORTED:
            return
        try:
            names = os.listdir(self.directory)
        except OSError:  # nobody listens (yet)
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            for name in names:
                if not name.isdigit() or int(name) == self.pid:
                    continue
                try:
                    sock.sendto(b"!", _address(self.tag, int(name)))
                except (ConnectionRefusedError, FileNotFoundError):  # its process is gone
                    with contextlib.suppress(OSError):
                        (self.directory / name).unlink()
                except OSError:  # its queue is full (it is nudged already), or anything else: it polls
                    pass

    def close(self) -> None:
        """Stop listening and remove this process's marker."""
        self._closed = True
        sock, self._sock = self._sock, None
        if sock is None:
            return
        with contextlib.suppress(OSError):
            (self.directory / str(self.pid)).unlink()
        with contextlib.suppress(OSError):  # the receiving thread wakes, sees the close and ends
            sock.sendto(b"", _address(self.tag, self.pid))
        if self._thread is not None:
            self._thread.join(1)
        sock.close()
