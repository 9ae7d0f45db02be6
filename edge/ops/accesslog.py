"""Access log: one JSON line per request, written by a background thread so the event
loop never waits on a disk or a pipe. Fields follow CloudFront's standard log where they
apply (x-edge-request-id, c-ip, cs-method, x-host-header, cs-uri-stem, cs-uri-query, sc-status,
sc-bytes, x-edge-result-type, x-edge-detailed-result-type, time-taken, cs-protocol,
cs-protocol-version, ssl-protocol, ssl-cipher, cs(User-Agent)), plus the behavior and each hook
run (docs/operations.md, *Access log*, has the table).
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import sys
import threading
import time
from typing import IO, TYPE_CHECKING, Any

import orjson

from .results import RESULT_TYPES

if TYPE_CHECKING:
    from starlette.types import Scope

    from ..pipeline.trace import Trace

_STOP = object()
log = logging.getLogger("edge.server")

# cs-protocol-version as CloudFront writes it, from the ASGI scope's http_version (Granian says
# "1" for HTTP/1.0 and "2" for HTTP/2; Hypercorn and uvicorn "1.0" and "2")
HTTP_VERSIONS = {"1": "HTTP/1.0", "1.0": "HTTP/1.0", "1.1": "HTTP/1.1", "2": "HTTP/2.0", "2.0": "HTTP/2.0",
                 "3": "HTTP/3.0", "3.0": "HTTP/3.0"}
# ssl-protocol as CloudFront writes it, from the ASGI `tls` extension's tls_version
TLS_VERSIONS = {0x0300: "SSLv3", 0x0301: "TLSv1", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}
TLS_NUMBERS = {name: number for number, name in TLS_VERSIONS.items()}  # Python's SSLObject.version() -> number


def connection_fields(scope: "Scope | None") -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """protocol (http, https, ws, wss), protocol_version (HTTP/1.1, HTTP/2.0), ssl_protocol,
    ssl_cipher and user_agent of a log line, read from the request's ASGI scope only when a line
    is written. ssl_protocol and ssl_cipher come from the scope's `tls` extension (ASGI's TLS
    extension: `tls_version`, `cipher_suite`), None without it: under Hypercorn the server hooks
    add it (`tls_extension`, edge/server/serverhooks.py); Granian 2.8 gives an app nothing of the
    connection's TLS, so its lines say https but not which TLS (uvicorn serves no TLS here)."""
    if scope is None:
        return None, None, None, None, None
    protocol = scope.get("scheme") or ("ws" if scope.get("type") == "websocket" else "http")
    version = str(scope.get("http_version") or "1.1")
    protocol_version = HTTP_VERSIONS.get(version) or f"HTTP/{version[:8]}"
    ssl_protocol = ssl_cipher = None
    extensions = scope.get("extensions")
    tls = extensions.get("tls") if extensions else None
    if tls:
        number = tls.get("tls_version")
        if isinstance(number, int):
            ssl_protocol = TLS_VERSIONS.get(number) or f"0x{number:04X}"
        suite = tls.get("cipher_suite")
        if isinstance(suite, int):
            ssl_cipher = _cipher_names().get(suite) or f"0x{suite:04X}"
    agent = None
    for name, value in scope.get("headers") or ():
        if name == b"user-agent":  # the first, as the Host logged
            agent = value.decode("latin-1")
            break
    return protocol, protocol_version, ssl_protocol, ssl_cipher, agent


def tls_extension(ssl_object: Any) -> dict[str, Any] | None:
    """ASGI's `tls` scope extension for a connection's `ssl.SSLObject` (or SSLSocket), for a
    server that does not fill it: made once per connection, after the handshake. The version and
    suite are numbers, as the extension has them (0x0304, 0x1301); None when the connection has
    no TLS session."""
    try:
        version = ssl_object.version()
        cipher = ssl_object.cipher()
    except (AttributeError, ValueError, OSError):
        return None
    if version is None or cipher is None:
        return None
    return {"server_cert": None, "client_cert_chain": [], "client_cert_name": None, "client_cert_error": None,
            "tls_version": TLS_NUMBERS.get(version), "cipher_suite": _cipher_numbers().get(cipher[0])}


@functools.cache
def _cipher_names() -> dict[int, str]:
    """IANA cipher suite number -> OpenSSL's name (ECDHE-RSA-AES128-GCM-SHA256,
    TLS_AES_128_GCM_SHA256), as CloudFront's ssl-cipher writes it. Made once, on the first line
    that has a cipher suite."""
    import ssl

    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
        return {cipher["id"] & 0xFFFF: cipher["name"] for cipher in context.get_ciphers()}
    except (ssl.SSLError, ValueError, KeyError):
        return {}


@functools.cache
def _cipher_numbers() -> dict[str, int]:
    """OpenSSL's cipher suite name (what SSLObject.cipher() gives) -> its IANA number."""
    return {name: number for number, name in _cipher_names().items()}


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
        status: int, sent_bytes: int, x_cache: str, scope: "Scope | None" = None,
    ) -> None:
        """`scope`: the request's ASGI scope, which the connection's fields (protocol, TLS,
        user agent) are read from here, only when a line is written."""
        if not self.enabled:
            return
        protocol, protocol_version, ssl_protocol, ssl_cipher, user_agent = connection_fields(scope)
        error = trace.error
        # an origin that broke off mid-body too; CapacityExceeded is a result type of its own, as on CloudFront
        result_type = ("Error" if error not in RESULT_TYPES else error) if error else x_cache.split(" ", 1)[0]
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
            "detailed_result_type": error or result_type,
            "hooks": [
                {"event_type": r.event_type, "function": r.function, "version": r.version,
                 "duration_ms": round(r.duration_ms, 3), "outcome": r.outcome}
                for r in trace.hooks
            ],
            "origin_status": trace.origin_status,
            "origin_ms": None if trace.origin_ms is None else round(trace.origin_ms, 3),
            "total_ms": round(trace.total_ms, 3),
            # added after the fields above (whose names and order stay): CloudFront's cs-protocol,
            # cs-protocol-version, ssl-protocol, ssl-cipher and cs(User-Agent)
            "protocol": protocol,
            "protocol_version": protocol_version,
            "ssl_protocol": ssl_protocol,
            "ssl_cipher": ssl_cipher,
            "user_agent": user_agent,
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
