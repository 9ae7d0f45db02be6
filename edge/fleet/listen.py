"""LISTEN/NOTIFY: a thread with its own connection that wakes the watcher as soon as any
node commits a change. Notifications sent while the connection is down are lost, so every
(re)connection also wakes the watcher (a catch-up read), and the watcher reads the revision
periodically anyway.

A connection that stops answering without being dropped (a hung database, a stalled relay) is
found by a ping — an empty query whenever the connection has been quiet for PING_INTERVAL
seconds — that must be answered within the connection's bound (answers.py): if it is not, the
connection is abandoned and made again, and the watcher told (as when it drops)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from .dsn import one_line

log = logging.getLogger("edge.fleet")

RETRY_MIN, RETRY_MAX = 0.1, 2.0  # seconds between reconnection attempts (doubling)
POLL = 0.1  # seconds between checks of the stop flag while waiting for notifications
PING_INTERVAL = 5.0  # seconds of quiet after which the connection is asked whether it still answers


class Listener:
    def __init__(
        self, conninfo: str, channel: str, wake: threading.Event, on_unreachable: Callable[[str], None] | None = None,
        *, connection_class: type[psycopg.Connection[Any]] = psycopg.Connection, group: object = None,
        answer_within: float | None = None,
    ) -> None:
        self.conninfo = conninfo
        self.connection_class = connection_class  # answers.AnsweringConnection: bounded statements
        self.group = group  # its waits are abandoned with the store's (answers.Deadlines.abandon)
        self.answer_within = answer_within  # the store's answer bound (None: the connection class's)
        self.on_unreachable = on_unreachable  # told when connecting fails: the database is away
        self.channel = channel
        self.wake = wake
        self.listening = False  # connected and subscribed
        self.notifications = 0
        self._stop = threading.Event()
        self._conn: psycopg.Connection | None = None
        self._thread = threading.Thread(target=self._run, name="edge-store-listener", daemon=True)

    def start(self) -> "Listener":
        self._thread.start()
        return self

    def _run(self) -> None:
        delay = RETRY_MIN
        while not self._stop.is_set():
            try:
                with self.connection_class.connect(self.conninfo, autocommit=True) as conn:
                    self._conn = conn
                    conn.answer_group = self.group  # type: ignore[attr-defined]
                    if self.answer_within is not None:
                        conn.answer_within = self.answer_within  # type: ignore[attr-defined]
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.listening, delay = True, RETRY_MIN
                    self.wake.set()  # whatever was announced while we were away: catch up now
                    heard = time.monotonic()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=POLL):
                            self.notifications += 1
                            heard = time.monotonic()
                            self.wake.set()
                        if time.monotonic() - heard >= PING_INTERVAL and not self._stop.is_set():
                            conn.execute("")  # bounded: a connection that no longer answers raises
                            heard = time.monotonic()
            except Exception as exc:
                if self._stop.is_set():
                    break
                if self.listening:
                    log.warning("lost the store's change notifications (reconnecting): %s", one_line(exc))  # libpq's spans 3 lines
                    self.wake.set()  # the watcher finds out at once whether the database is reachable
                elif self.on_unreachable is not None:  # could not even connect
                    self.on_unreachable(one_line(exc))
                self.listening = False
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX)
            finally:
                self._conn = None
        self.listening = False

    def stop(self) -> None:
        """Stop listening. A connection attempt in progress is not waited for (connect_timeout):
        the thread ends by itself when it returns."""
        self._stop.set()
        self._thread.join(POLL + 1)
