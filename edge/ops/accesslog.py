"""Access log: one JSON line per request, written by a background thread so the event
loop never waits on a disk or a pipe. Fields follow CloudFront's standard log where they
apply (x-edge-request-id, c-ip, cs-method, cs-host, cs-uri-stem, sc-status, sc-bytes,
x-edge-result-type, x-edge-detailed-result-type, time-taken), plus the behavior and each hook run.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from typing import IO, TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from ..pipeline.trace import Trace

_STOP = object()
log = logging.getLogger("edge.server")


class AccessLog:
    """target: None (off), "-" (stdout) or a file path (appended).

    Rotation: before each write the file's path is checked, and a file that was moved away
    or deleted (logrotate's default `create` mode) is closed and the path opened anew, as
    logging's WatchedFileHandler does, in every worker, with no signal. `reopen()` (SIGHUP,
    see app.py) closes and reopens it before the next write whatever happened to it;
    `copytruncate` needs neither (the file is opened for appending)."""

    def __init__(self, target: str | None, max_pending: int = 100_000) -> None:
        self.enabled = bool(target)
        self.path = target if target not in (None, "-") else None
        # bounded: a stalled disk or pipe drops lines (counted) rather than growing memory
        self._queue: queue.Queue[bytes | object] = queue.Queue(maxsize=max_pending)
        self._thread: threading.Thread | None = None
        self._reopen = threading.Event()
        self._identity: tuple[int, int] | None = None
        self.dropped = 0
        self._failing: int | None = None  # while writes fail: `dropped` when they began to
        self.reopened = 0
        if self.enabled:
            stream: IO[bytes] = sys.stdout.buffer if self.path is None else self._open()
            self._thread = threading.Thread(target=self._drain, args=(stream, self.path is not None), daemon=True,
                                            name="edge-access-log")
            self._thread.start()

    def _open(self) -> IO[bytes]:
        assert self.path is not None
        stream = open(self.path, "ab")  # noqa: SIM115
        info = os.fstat(stream.fileno())
        self._identity = (info.st_dev, info.st_ino)
        return stream

    def reopen(self) -> None:
        """Close and reopen the file before the next line is written (safe from a signal handler)."""
        self._reopen.set()

    def _current(self, stream: IO[bytes]) -> IO[bytes]:
        """The stream to write to: reopened when asked to, or when the path no longer is our file."""
        if self.path is None:
            return stream
        if not self._reopen.is_set():
            try:
                info = os.stat(self.path)
                moved = (info.st_dev, info.st_ino) != self._identity
            except OSError:
                moved = True
            if not moved:
                return stream
        self._reopen.clear()
        try:
            fresh = self._open()
        except OSError:  # the directory is gone or not writable: keep the old file
            return stream
        stream.close()
        self.reopened += 1
        return fresh

    def write(
        self, trace: "Trace", *, client_ip: str, method: str, host: str, uri: str, querystring: str,
        status: int, sent_bytes: int, x_cache: str,
    ) -> None:
        if not self.enabled:
            return
        result_type = "Error" if trace.error else x_cache.split(" ", 1)[0]  # an origin that broke off mid-body too
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "request_id": trace.request_id,
            "client_ip": client_ip,
            "method": method,
            "host": host,
            "uri": uri,
            "querystring": querystring,
            "status": status,
            "bytes": sent_bytes,
            "behavior": trace.behavior,
            "cache": trace.cache or "none",
            "result_type": result_type,
            "detailed_result_type": trace.error or result_type,
            "hooks": [
                {"event_type": r.event_type, "function": r.function, "version": r.version,
                 "duration_ms": round(r.duration_ms, 3), "outcome": r.outcome}
                for r in trace.hooks
            ],
            "origin_status": trace.origin_status,
            "origin_ms": None if trace.origin_ms is None else round(trace.origin_ms, 3),
            "total_ms": round(trace.total_ms, 3),
        }
        try:
            self._queue.put_nowait(orjson.dumps(record) + b"\n")
        except queue.Full:
            self.dropped += 1

    def _drain(self, stream: IO[bytes], owned: bool) -> None:
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    break
                batch = [item]
                while len(batch) < 512:  # write what has piled up in one go
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is _STOP:
                        stream = self._current(stream)
                        self._write(stream, batch)
                        return
                    batch.append(nxt)
                stream = self._current(stream)
                self._write(stream, batch)
        finally:
            if owned:
                stream.close()

    def _write(self, stream: IO[bytes], batch: list) -> None:
        try:
            stream.write(b"".join(batch))
            stream.flush()
        except (OSError, ValueError) as exc:
            self.dropped += len(batch)
            if self._failing is None:  # once while it lasts (a full disk fails every write)
                self._failing = self.dropped - len(batch)
                log.warning("access log: cannot write to %s: %s (lines are dropped until it can)",
                            self.path or "stdout", exc)
            return
        if self._failing is not None:
            log.warning("access log: writing to %s again (%d lines dropped meanwhile)", self.path or "stdout",
                        self.dropped - self._failing)
            self._failing = None

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP, timeout=5)
            self._thread.join(5)
            self._thread = None
