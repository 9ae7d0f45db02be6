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

import asyncio
import os
import socket
import ssl
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


class Attempts:
    """The connection attempts of one request: how many it may make, and why those that failed
    before the last one failed (for the request's log)."""

    __slots__ = ("allowed", "failed", "exhausted")

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
    in a way another attempt may not repeat? (See the module docstring.)"""
    if not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, ConnectBudgetSpent)):
        return False
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return False
        if isinstance(cause, ssl.SSLError) and not _cut_off(cause):
            return False  # a certificate that does not verify, an alert: the origin's answer
    return True


def reason(exc: BaseException) -> str:
    """Why a connection could not be made, in a few words ("Connection refused", the TLS
    library's complaint about a certificate), rather than a wrapper's "All connection attempts
    failed"."""
    causes = _causes(exc)
    for cause in causes:
        if isinstance(cause, ssl.SSLError):
            return f"the connection ended during the TLS handshake ({cause})" if _cut_off(cause) else str(cause)
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
        pending.extend((item.__context__, item.__cause__))
        if isinstance(item, BaseExceptionGroup):  # anyio's "All connection attempts failed" holds each address's
            pending.extend(item.exceptions)
    return seen


class ConnectBudgetSpent(Exception):
    """The connection (TCP and TLS handshake together) took longer than `connect_timeout`."""


class ConnectBudget:
    """One attempt's `connect_timeout`, for an httpx request: httpcore gives the TCP connection
    and the TLS handshake a timeout each, so one attempt could last twice as long. This bounds
    both together, and stops counting once the request is on its way (httpcore's trace
    events say when), so the read timeout alone governs the answer."""

    __slots__ = ("seconds", "_timeout")

    # the connection is established once a request (or HTTP/2's preface) is sent on it
    _SENDING = frozenset({"http11.send_request_headers.started", "http2.send_connection_init.started",
                          "http2.send_request_headers.started"})

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._timeout: asyncio.Timeout | None = None

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's `trace` extension."""
        if event in self._SENDING and self._timeout is not None:
            self._timeout.reschedule(None)
            self._timeout = None

    async def run(self, send: Callable[[], Awaitable[T]]) -> T:
        timeout = asyncio.timeout(self.seconds)
        self._timeout = timeout
        try:
            async with timeout:
                return await send()
        except TimeoutError:
            if not timeout.expired():  # not ours
                raise
            raise ConnectBudgetSpent(f"no connection within {self.seconds:g} s") from None
        finally:
            self._timeout = None
