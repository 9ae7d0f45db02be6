"""LISTEN/NOTIFY: a thread with its own connection that wakes the watcher as soon as any
node commits a change. Notifications sent while the connection is down are lost, so every
(re)connection also wakes the watcher (a catch-up read), and the watcher reads the revision
periodically anyway."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from psycopg import sql

from .dsn import one_line, redact

log = logging.getLogger("edge.fleet")

RETRY_MIN, RETRY_MAX = 0.1, 2.0  # seconds between reconnection attempts (doubling)
POLL = 0.1  # seconds between checks of the stop flag while waiting for notifications


class Listener:
    def __init__(
        self, conninfo: str, channel: str, wake: threading.Event, on_unreachable: Callable[[str], None] | None = None
    ) -> None:
        self.conninfo = conninfo
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
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    self._conn = conn
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.listening, delay = True, RETRY_MIN
                    self.wake.set()  # whatever was announced while we were away: catch up now
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=POLL):
                            self.notifications += 1
                            self.wake.set()
            except Exception as exc:
                if self._stop.is_set():
                    break
                if self.listening:
                    log.warning("lost the store's change notifications (reconnecting): %s", redact(exc))
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
        self._stop.set()
        self._thread.join(POLL + 6)
