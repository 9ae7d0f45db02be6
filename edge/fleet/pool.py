"""The store's connection pool, keeping the error of its last failed connection attempt.

While the database is away the pool retries in the background and a checkout only times out:
psycopg_pool's PoolTimeout says "couldn't get a connection after 1.00 sec", which is what
`/readyz` and the 503s showed instead of the cause an operator needs (`Connection refused` to
the database's host and port, a timeout, a name that does not resolve). The pool's
connections are made through a Connection subclass that records why the last attempt failed
(cleared by the next that succeeds); when there is no such record (the pool did not try, or
its attempt is still running), one short direct attempt says — unless the pool is at its
maximum with every connection checked out: then it is busy, and a probe per failing request
would open more connections to an overloaded database at the worst moment. Probes are one at
a time per process, and a result is reused for PROBE_TTL seconds (by the requests that waited
for it, too).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import psycopg

from .answers import AnsweringConnection
from .dsn import one_line

PROBE_TIMEOUT = 2  # seconds (libpq's smallest connect_timeout) for the direct attempt
PROBE_TTL = 3.0  # seconds a direct attempt's result answers for every timeout of the process


def probe(conninfo: str) -> str | None:
    """One direct connection attempt: its error, None if the database accepted it."""
    try:
        with psycopg.connect(conninfo, connect_timeout=PROBE_TIMEOUT, autocommit=True):
            pass
    except psycopg.Error as exc:
        return one_line(exc)
    return None


def exhausted(stats: Mapping[str, int]) -> bool:
    """psycopg_pool's get_stats(): every connection it may hold exists and is checked out."""
    return stats.get("pool_size", 0) >= stats.get("pool_max", 1) and stats.get("pool_available", 0) == 0


class ConnectErrors:
    """The error of the last failed connection attempt of one pool (None after a success)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.last: str | None = None
        self._probing = threading.Lock()  # one direct attempt at a time
        self._probed: tuple[float, str | None] | None = None  # (time.monotonic(), its result)

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self.last = one_line(exc)

    def connected(self) -> None:
        with self._lock:
            self.last = None

    def connection_class(self) -> type[psycopg.Connection[Any]]:
        """A Connection class for ConnectionPool(connection_class=...) that reports here (and
        whose statements wait for their answers within a bound: answers.py)."""
        errors = self

        class PoolConnection(AnsweringConnection):
            @classmethod
            def connect(cls, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
                try:
                    conn = super().connect(*args, **kwargs)
                except psycopg.Error as exc:
                    errors.failed(exc)
                    raise
                errors.connected()
                return conn

        return PoolConnection

    def timeout_reason(self, conninfo: str, timeout: float, stats: Mapping[str, int] | None = None) -> str:
        return self.timed_out(conninfo, timeout, stats)[0]

    def timed_out(self, conninfo: str, timeout: float, stats: Mapping[str, int] | None = None) -> tuple[str, bool]:
        """Why no pooled connection came within `timeout` seconds, and whether the pool was
        only busy (the database answers): if the pool (`stats`: its get_stats()) is full and all
        checked out, busy; else the pool's last connection error (not busy); else a direct
        attempt's (one at a time, reused for PROBE_TTL s): if it connects, busy."""
        if stats is not None and exhausted(stats):  # busy, whatever an earlier attempt to grow it met
            return (f"no pooled connection within {timeout:.0f} s: all {stats.get('pool_max')} connections of "
                    "this worker's pool stayed in use (a slow or overloaded database, or long requests)"), True
        if self.last is not None:
            return self.last, False
        with self._probing:  # the others wait for the one attempt running and reuse its result
            if self._probed is None or time.monotonic() - self._probed[0] > PROBE_TTL:
                self._probed = (time.monotonic(), probe(conninfo))
            error = self._probed[1]
        if error is not None:
            return error, False
        return (f"no pooled connection within {timeout:.0f} s, although the database accepts new connections: "
                "every connection of this worker's pool stayed busy"), True
