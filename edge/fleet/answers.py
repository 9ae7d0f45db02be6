"""Client-side deadlines for the database's answers.

A database that stops answering without dropping the connection — a hung PostgreSQL, a
stalled VM or pooler, a relay that stopped forwarding — is invisible to TCP: the kernel at
the other end still acknowledges what is sent, so keepalives and `tcp_user_timeout` never
fire, and a server-side `statement_timeout` cannot help either (the server is what hangs).
Without a bound of its own a client waits for the answer forever: the store watcher, the
heartbeat and the admin API's threads blocked, the node reported healthy, its pool's
connections stuck.

So every wait this node does for the database's answer is bounded here. A statement runs
with a deadline (ANSWER_TIMEOUT or the store URL's answer_timeout, or a longer one a caller
gives: a write that may wait for another writer's lock); when the answer has not come in time, one watchdog thread per process
shuts the connection's socket down (`shutdown(2)`, from the waiting side: the blocked read
returns at once with end-of-file, as when a server closes the connection), and the statement
raises NoAnswer — an OperationalError, so the connection is broken, the pool discards it and
the store reports itself unavailable ("the database did not answer within 2 s").

Shutting the socket down is what makes this safe to do from another thread: the connection
is not closed under the thread using it (libpq's memory stays its own), only its socket stops
delivering, and the waiting thread sees the end as an ordinary connection failure. The
watchdog acts only while the statement is in flight (armed and disarmed under one lock), so a
connection that answered in time is never touched; and it acts on a duplicate of the socket's
descriptor taken when the wait was armed (closed when it is disarmed), never on the number
libpq holds: libpq closes its descriptor itself when the server hangs up, and before the
waiting thread disarms, another thread (a pool worker reconnecting, the server accepting a
viewer) may be given the same number.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg

log = logging.getLogger("edge.fleet")

# Seconds the database has to answer one statement (or a BEGIN, a COMMIT, a connection check)
# before this node abandons the connection and reports the store unavailable, unless the store
# URL sets `answer_timeout` (dsn.py; docs/fleet.md). The store's statements take about a
# millisecond (docs/fleet.md, *Capacity*); statements that may wait for another writer's lock get
# the lock's bound on top (pgstore.py, PgStore.write_answer).
ANSWER_TIMEOUT = 2.0


NO_ANSWER = "did not answer"  # in every reason this module (and dsn.one_line, for connect_timeout) gives


class NoAnswer(psycopg.OperationalError):
    """The database did not answer within the bound (or the node is stopping and waits no
    longer): the connection was abandoned."""

    def __init__(self, seconds: float, stopping: bool = False) -> None:
        super().__init__("the node is stopping: stopped waiting for the database's answer" if stopping
                         else f"the database did not answer within {seconds:g} s")
        self.seconds = seconds


@dataclass
class _Wait:
    sock: int  # a duplicate of the connection's socket, held while the wait is armed (closed at disarm)
    group: object
    fired: bool = False
    stopping: bool = False


def _shut(sock: int) -> None:
    """End a socket for every user of it. `sock` is this module's own duplicate, held since the
    wait was armed: even if libpq closed its descriptor meanwhile (the server hung up) and the
    number went to another thread's new socket or file, the duplicate still names the
    connection's socket, so nothing else is ever shut down."""
    try:
        end = socket.socket(fileno=sock)
    except OSError:
        return
    try:
        end.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already ended
    finally:
        end.detach()  # the duplicate is closed by disarm, once, by its owner


def _close(sock: int) -> None:
    with contextlib.suppress(OSError):
        os.close(sock)


class Deadlines:
    """One thread that shuts down the sockets of connections whose answer is late."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: list[tuple[float, int]] = []  # (time.monotonic() due, token), a heap
        self._armed: dict[int, _Wait] = {}
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, conn: psycopg.Connection[Any], seconds: float, group: object = None) -> int | None:
        """Start the clock for one wait on `conn` (None: the connection is already closed);
        `group` (a store) names the waits `abandon` ends together. The connection's socket is
        duplicated for the wait: its descriptor number may be closed by libpq and reused by
        another thread while the wait is armed, the duplicate cannot."""
        try:
            fd = conn.pgconn.socket
        except psycopg.Error:
            return None
        try:
            sock = os.dup(fd)
        except OSError as exc:  # out of descriptors: this one wait goes unbounded rather than failing
            log.warning("the database's answer is waited for without a deadline (cannot duplicate its socket: %s)", exc)
            return None
        token = next(self._tokens)
        due = time.monotonic() + seconds
        try:
            with self._cond:
                self._armed[token] = _Wait(sock, group)
                heapq.heappush(self._due, (due, token))
                if self._thread is None or not self._thread.is_alive():  # first use, or (never expected) it died
                    self._thread = threading.Thread(target=self._run, name="edge-store-deadlines", daemon=True)
                    self._thread.start()
                if self._due[0][1] == token:
                    self._cond.notify()
        except BaseException:  # e.g. no thread could be started: nothing armed, nothing leaked
            with self._cond:
                self._armed.pop(token, None)
            _close(sock)
            raise
        return token

    def disarm(self, token: int | None) -> _Wait | None:
        """Stop the clock: the wait if it had run out (its connection's socket is shut down)."""
        if token is None:
            return None
        with self._cond:
            wait = self._armed.pop(token, None)
        if wait is None:
            return None
        _close(wait.sock)  # no longer reachable by the watchdog (popped under its lock)
        return wait if wait.fired else None

    def abandon(self, group: object) -> int:
        """End every wait of `group` in flight now (a stop is not held up by the database): how many."""
        with self._cond:
            waits = [w for w in self._armed.values() if w.group is group and not w.fired]
            for wait in waits:
                wait.fired = wait.stopping = True
                _shut(wait.sock)
        return len(waits)

    def _run(self) -> None:
        with self._cond:
            while True:
                try:
                    self._tick()
                except Exception:  # never expected: the watchdog must outlive it, or waits go unbounded
                    log.exception("the store's answer deadlines (continuing)")
                    self._cond.wait(0.1)

    def _tick(self) -> None:
        """One turn of the watchdog, under the lock: shut down what is due, or wait."""
        while self._due and self._due[0][1] not in self._armed:
            heapq.heappop(self._due)  # answered in time
        if not self._due:
            self._cond.wait()
            return
        due, token = self._due[0]
        left = due - time.monotonic()
        if left > 0:
            self._cond.wait(left)
            return
        heapq.heappop(self._due)
        wait = self._armed[token]
        if not wait.fired:
            wait.fired = True
            _shut(wait.sock)  # under the lock: disarm cannot close the duplicate meanwhile


DEADLINES = Deadlines()


class Answered:
    """`with Answered(conn, seconds):` one bounded wait; NoAnswer if the deadline passed first.
    An answer that came just as the deadline passed is kept (a commit that succeeded did
    commit); the connection is shut down all the same, and its next statement fails."""

    def __init__(self, conn: psycopg.Connection[Any], seconds: float | None) -> None:
        self.conn = conn
        self.seconds = seconds
        self.token: int | None = None

    def __enter__(self) -> None:
        if self.seconds is not None:
            self.token = DEADLINES.arm(self.conn, self.seconds, getattr(self.conn, "answer_group", None))

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        fired = DEADLINES.disarm(self.token)
        if fired is not None and kind is not None and not isinstance(exc, NoAnswer):
            raise NoAnswer(self.seconds or 0.0, fired.stopping) from None


class AnsweringConnection(psycopg.Connection):  # type: ignore[type-arg]
    """A connection whose statements (`execute`) wait at most `answer_within` seconds for the
    database's answer (None: unbounded). Its owner sets `answer_within` for what it runs next;
    BEGIN and COMMIT are bounded by the caller (`Answered`). `answer_group` (its store) lets a
    stop end its waits at once (`Deadlines.abandon`)."""

    answer_within: float | None = ANSWER_TIMEOUT
    answer_group: object = None

    def execute(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        with Answered(self, self.answer_within):
            return super().execute(*args, **kwargs)
