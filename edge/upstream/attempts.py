"""Connection attempts: trying an origin's connection again, as CloudFront's ConnectionAttempts.

CloudFront tries to connect to an origin up to `ConnectionAttempts` times (1-3), each
within `ConnectionTimeout`, before it answers 502 (or 504 for timeouts). Here an attempt is
establishing the transport: the TCP connection and, for https, the TLS handshake. It is
tried again only when it failed to establish, so no byte of the request has been sent:

- tried again: refused, unreachable, reset or closed before the connection (or its TLS
  handshake) completed, no connection (or handshake) within `connect_timeout`;
- not tried again: the name does not resolve (the resolver already retries, and its answer
  will not change in milliseconds); a certificate that does not verify, or a TLS alert from
  the origin (its answer, which a second handshake would repeat); anything after the
  connection was made (the request may have reached the origin).

Each attempt has its own `connect_timeout`, and the attempts run one after the other on the
event loop (nothing blocks it), so a viewer waits at most attempts x connect_timeout for a
connection; a refused connection fails at once, so even many viewers on a dead origin cost
only that many instant attempts each.
"""

from __future__ import annotations

import os
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def replayable(method: str, body: object) -> bool:
    """May this request be sent again on a new connection after a kept-alive one failed before
    any of its answer arrived? (See the module docstring.)"""
    return method in IDEMPOTENT and (body is None or isinstance(body, (bytes, bytearray)))


class Attempts:
    """The connection attempts of one request: how many it may make, and why those that failed
    before the last one failed (for the request's log)."""

    __slots__ = ("allowed", "exhausted", "failed")

    def __init__(self, allowed: int) -> None:
        self.allowed = max(1, allowed)
        self.failed: list[str] = []  # attempts that failed and were followed by another
        self.exhausted = False  # the last attempt failed to connect too

    def again(self, reason: str) -> bool:
        """An attempt failed to establish the connection: may another be made?"""
        if len(self.failed) + 1 >= self.allowed:
            self.exhausted = True
            return False
        self.failed.append(reason)
        return True

    def final(self, message: str) -> str:
        """The message of the failure that ended the request, saying how many attempts it took."""
        if self.exhausted and self.allowed > 1:
            return f"{message} (after {self.allowed} connection attempts)"
        return message

    async def connect(
        self, attempt: Callable[[], Awaitable[T]], retryable: Callable[[BaseException], bool],
        describe: Callable[[BaseException], str] = str,
    ) -> T:
        """`attempt()` until it succeeds, fails in a way `retryable` refuses, or none are left."""
        while True:
            try:
                return await attempt()
            except Exception as exc:
                if not retryable(exc) or not self.again(describe(exc)):
                    raise


def not_established(exc: BaseException) -> bool:
    """Did an httpx request fail before its connection was established (so nothing was sent),
    in a way another attempt might not repeat? (See the module docstring.)"""
    if isinstance(exc, httpx.ConnectTimeout):
        return True  # silence is never the origin's answer
    if not isinstance(exc, httpx.ConnectError):
        return False
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror) or _tls_answer(cause):
            return False
    return True


def _tls_answer(exc: BaseException) -> bool:
    """A TLS failure the origin's side decided (a certificate that does not verify, an alert),
    which another handshake would repeat."""
    return isinstance(exc, ssl.SSLError) and not _cut_off(exc) and \
        not isinstance(exc, (ssl.SSLWantReadError, ssl.SSLWantWriteError))


def reason(exc: BaseException) -> str:
    """Why a connection could not be made, in a few words ("Connection refused", the TLS
    library's complaint about a certificate), rather than a wrapper's "All connection attempts
    failed"."""
    causes = _causes(exc)
    for cause in causes:
        if _tls_answer(cause):
            return str(cause)
        if isinstance(cause, ssl.SSLError) and _cut_off(cause):
            return f"the connection ended during the TLS handshake ({cause})"
    for cause in causes:
        if isinstance(cause, OSError) and cause.errno is not None:
            return cause.strerror or os.strerror(cause.errno)
    return str(exc) or type(exc).__name__


def _cut_off(exc: ssl.SSLError) -> bool:
    """A handshake that ended because the connection did (EOF, reset), not by the origin's word."""
    return isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)) or \
        "EOF" in str(exc)


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending:
        item = pending.pop()
        if item is None or any(item is s for s in seen) or len(seen) > 16:
            continue
        seen.append(item)
        # the context too: httpcore and anyio raise their own errors `from None`
        pending.extend((item.__context__, item.__cause__))
        if isinstance(item, BaseExceptionGroup):  # anyio's "All connection attempts failed" holds each address's
            pending.extend(item.exceptions)
    return seen


class ConnectBudget:
    """One attempt's `connect_timeout` for an httpx request, for the TCP connection and the TLS
    handshake together: httpcore gives each its own timeout, so an attempt could last twice
    as long. Through httpcore's `trace` extension, the handshake gets what the connection left
    of the budget; httpcore's own timeout then ends it, closing the socket as for any timeout
    (cancelling the request instead would leave the half-made TLS connection open). Should a
    later httpcore copy the arguments it traces, the handshake just keeps its own full timeout."""

    __slots__ = ("_began", "connected", "seconds")

    _SHORTEST = 0.001  # a timeout of 0 would mean none to some backends

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._began = 0.0
        self.connected = False  # a connection was made for the request (not one kept alive)

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's `trace` extension: `info` is what the traced step is called with."""
        if event == "connection.connect_tcp.started":
            self._began = time.monotonic()
            self.connected = True
        elif event == "connection.start_tls.started" and self._began and "timeout" in info:
            info["timeout"] = max(self.seconds - (time.monotonic() - self._began), self._SHORTEST)
