"""The store's connection pool, keeping the error of its last failed connection attempt.

While the database is away the pool retries in the background and a checkout only times out:
psycopg_pool's PoolTimeout says "couldn't get a connection after 1.00 sec", which is what
`/readyz` and the 503s showed instead of the cause an operator needs (`Connection refused` to
the database's host and port, a timeout, a name that does not resolve). The pool's
connections are made through a Connection subclass that records why the last attempt failed
(cleared by the next that succeeds); when there is no such record (the pool did not try, or
its attempt is still running), one short direct attempt says.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg

from .dsn import one_line

PROBE_TIMEOUT = 2  # seconds (libpq's smallest connect_timeout) for the direct attempt


class ConnectErrors:
    """The error of the last failed connection attempt of one pool (None after a success)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.last: str | None = None

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self.last = one_line(exc)

    def connected(self) -> None:
        with self._lock:
            self.last = None

    def connection_class(self) -> type[psycopg.Connection[Any]]:
        """A Connection class for ConnectionPool(connection_class=...) that reports here."""
        errors = self

        class PoolConnection(psycopg.Connection):  # type: ignore[type-arg]
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

    def timeout_reason(self, conninfo: str, timeout: float) -> str:
        """Why no pooled connection came within `timeout` seconds: the pool's last connection
        error, else a direct attempt's; if that attempt connects, the pool was only busy."""
        if self.last is not None:
            return self.last
        try:
            with psycopg.connect(conninfo, connect_timeout=PROBE_TIMEOUT, autocommit=True):
                pass
        except psycopg.Error as exc:
            return one_line(exc)
        return (f"no pooled connection within {timeout:.0f} s, although the database accepts new connections: "
                "every connection of this worker's pool stayed busy")
