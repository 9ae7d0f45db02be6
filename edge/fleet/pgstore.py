"""The shared store: PostgreSQL for metadata and module bytes, for a fleet of nodes.

The same guarantees as the SQLite store, by the same means in PostgreSQL's terms:
- One change = one transaction. A write transaction first stores the module bytes it
  brings (before taking any lock, so a large upload never holds up other writers), then
  takes the row lock of `edge_revision` by raising it: writers from every node run one
  at a time from there to their commit, so two nodes deploying the same function at the
  same moment get consecutive version numbers, and revisions are consecutive.
- Nothing partial is ever visible (READ COMMITTED writers, REPEATABLE READ snapshots),
  and a version's bytes commit in the same transaction as the version (a foreign key
  makes a version without its bytes impossible).
- The commit is announced with NOTIFY (delivered only if it commits); listen.py wakes
  every node's watcher.

Every call blocks (the control plane runs off the event loop), and every wait for the
database is bounded: a pooled connection within the checkout timeout, each answer within
the store's answer timeout (answers.py: 2 s, or the URL's `answer_timeout`; plus the lock's
bound for a statement that may first wait for another writer's lock). Connections come from a bounded pool (POOL_MAX per
worker process, plus one for LISTEN). A database that cannot be reached, or does not answer in
time, raises StoreUnavailable and marks `health` down; serving goes on from what is loaded.
A database that cannot be reached at start leaves the store *detached* if this node saved
the state it served last (lastknown.py): it serves that, and the store connects, migrates
and attaches on the first call after the database answers again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from ..control.manifest_memory import ManifestMemory
from ..control.rows import (NodeInfo, NothingToWrite, Snapshot, StoreBusy, StoreError, StoreOutcomeUnknown,
                            StoreRefused, StoreUnavailable)
from ..control.sqltx import SqlTx
from ..control.storeapi import NODE_COLUMNS, ControlStore
from . import dsn
from .answers import ANSWER_TIMEOUT, DEADLINES, NO_ANSWER, Answered, AnsweringConnection, NoAnswer
from .lastknown import LastKnown, Saved
from .listen import Listener
from .migrate import migrate
from .pgblobs import CachedBlobs
from .pool import ConnectErrors

log = logging.getLogger("edge.fleet")

POOL_MIN, POOL_MAX = 1, 4  # per worker process (the control thread pool has 4 threads)
CHECKOUT_TIMEOUT = 5.0  # seconds to wait for a pooled connection
DOWN_CHECKOUT_TIMEOUT = 1.0  # ... while the database is known to be unreachable: answer 503 fast
CATCH_UP_INTERVAL = 1.0  # seconds between revision reads with no notification
LOCK_TIMEOUT_MS = 10_000  # a writer waits this long for the others (then 503 store_busy)
IDLE_IN_TRANSACTION_MS = 60_000  # a node stuck inside a transaction releases the writer lock
# a statement that may first wait for another writer's lock (a change's module bytes and its raising
# of the revision, leftover collection, forgetting a node) waits that long for its answer: the lock's
# bound, then the answer's (PgStore.write_answer). Every other statement, BEGIN, COMMIT and connection
# check: the answer's bound, PgStore.answer_timeout (ANSWER_TIMEOUT unless the URL sets answer_timeout).
WRITE_ANSWER = LOCK_TIMEOUT_MS / 1000 + ANSWER_TIMEOUT  # with the default answer timeout
TRANSFER_RATE = 1 << 20  # bytes/s assumed at worst for module bytes sent or fetched (added to the bound)
ATTACH_ANSWER = 60.0  # connecting at start (or a detached store's attach), migrations included: they may wait for another node's
NODE_ROWS_KEPT = 24 * 3600  # seconds a silent worker's row is kept for `edge nodes`
# the registry's reads (`edge nodes`, forget): named columns, and never prepared (they are rare;
# a prepared one fails once per pooled connection after a later release alters the table)
NODE_READ = (f"SELECT {NODE_COLUMNS}, note, greatest(0, extract(epoch from now()) - heartbeat)::float8 AS age"
             " FROM nodes")
# what shows the effect of a change through write(): versions, aliases, behaviors (its outcome-unknown advice)
CHANGE_SHOWN = "`edge functions`, `edge versions NAME` (its aliases too), `edge config get`"
ATTACH_RETRY = 1.0  # seconds between connection attempts of a detached store (others get 503 at once)

# libpq's and PostgreSQL's words for "no database answered" (the network) or "it cannot take this
# connection now" (starting, stopping, recovering, out of connection slots, a database closed to
# new connections with ALLOW_CONNECTIONS false): the store is unavailable, as a running node
# finds it, and a start may serve the last known state. Anything else — a wrong password or
# database name, a refused TLS setting — is the operator's to fix, and start-up fails.
_UNREACHABLE = (
    "connection refused", "is the server running", "timeout expired", "timed out", "no route to host",
    "network is unreachable", "host is unreachable", "could not translate host name", "failed to resolve host",
    "name or service not known", "temporary failure in name resolution", "connection reset",
    "server closed the connection unexpectedly", "the database system is starting up",
    "the database system is shutting down", "the database system is in recovery mode",
    "the database system is not yet accepting connections", "the database system is not accepting connections",
    "is not currently accepting connections", "too many clients already", "too many connections for",
    "remaining connection slots are reserved", "could not fork new process for connection",
    "terminating connection due to administrator command", "did not answer",
)

_PLACEHOLDERS: dict[str, str] = {}


def _pg(query: str) -> str:
    """`?` placeholders (the portable SQL of sqltx.py) as psycopg's `%s`."""
    converted = _PLACEHOLDERS.get(query)
    if converted is None:
        converted = _PLACEHOLDERS[query] = query.replace("?", "%s")
    return converted


def unreachable(message: str) -> bool:
    """Whether a connection error means no database answered (rather than one refusing us)."""
    lowered = message.lower()
    return any(words in lowered for words in _UNREACHABLE)


# a value's type that PostgreSQL cannot compare or convert (a Python integer past 64 bits is
# sent as numeric): caused by the data sent, like a DataError, not by the statement
_DATA_STATES = frozenset({"42804", "42883"})


def _commit_refused(exc: psycopg.Error) -> bool:
    """Whether the database answered a COMMIT with an error (ERROR, not FATAL or PANIC): the
    transaction was rolled back. Anything else while committing (no answer, the connection
    reset or closed, the server ending the session) leaves the outcome unknown."""
    diag = getattr(exc, "diag", None)
    return diag is not None and diag.severity_nonlocalized == "ERROR"


def _refuses_data(exc: psycopg.Error) -> bool:
    """Whether PostgreSQL (or psycopg, before sending) refused a value the request carries:
    a DataError (a NUL in a text, a number out of range, text that is not a number) or a type
    mismatch that only a value out of range produces."""
    return isinstance(exc, psycopg.DataError) or (
        isinstance(exc, psycopg.ProgrammingError) and getattr(exc, "sqlstate", None) in _DATA_STATES)


@contextlib.contextmanager
def _waiting(conn: psycopg.Connection, seconds: float) -> Iterator[None]:
    """The statements run in this block wait up to `seconds` for their answers."""
    before = conn.answer_within  # type: ignore[attr-defined]
    conn.answer_within = seconds  # type: ignore[attr-defined]
    try:
        yield
    finally:
        conn.answer_within = before  # type: ignore[attr-defined]


class PgTx(SqlTx):
    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.db.execute(_pg(sql), params)  # type: ignore[arg-type]

    def _insert_id(self, sql: str, params: tuple[Any, ...]) -> int:
        return int(self._execute(sql + " RETURNING id", params).fetchone()["id"])


def _configure(conn: psycopg.Connection) -> None:
    conn.autocommit = True
    conn.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
    conn.execute(f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS}")
    conn.autocommit = False


class PgStore(ControlStore):
    kind = "postgresql"
    poll_interval = CATCH_UP_INTERVAL

    def __init__(self, url: str, cache_dir: Path) -> None:
        super().__init__()
        dsn.install_log_filter()
        self._masked = dsn.mask(url)
        self._conninfo = dsn.conninfo(url)
        self.answer_timeout = dsn.answer_timeout(url)  # seconds for each answer (COMMIT's included)
        self.write_answer = LOCK_TIMEOUT_MS / 1000 + self.answer_timeout  # behind another writer's lock
        self.schema_version = 0
        self.schema: str | None = None
        self.channel: str | None = None  # known once attached (one fleet per schema)
        self._connect_errors = ConnectErrors()  # why the pool's last attempt failed: /readyz's reason
        self.pool = ConnectionPool(
            self._conninfo, connection_class=self._connect_errors.connection_class(),
            min_size=POOL_MIN, max_size=POOL_MAX, open=False, name="edge-store",
            kwargs={"row_factory": dict_row}, configure=self._configure,  # checked at checkout, bounded (_checkout)
            timeout=CHECKOUT_TIMEOUT, max_idle=60.0,
        )
        self.blobs = CachedBlobs(Path(cache_dir), self._fetch_blob)
        self.last_known = LastKnown(Path(cache_dir).parent, self._masked, dsn.identity(url))
        self._memory_dir, self._identity = Path(cache_dir).parent, dsn.identity(url)
        self._listener: Listener | None = None
        self._listener_lock = threading.Lock()
        self._wake = threading.Event()
        self._attached = False
        self._attach_lock = threading.Lock()
        self._attach_tried = 0.0  # time.monotonic() of the last failed attempt (detached)
        self._refusal_logged: str | None = None
        try:
            self._attach()
        except StoreUnavailable as exc:
            try:
                saved = self.last_known.load()
            except StoreError as none:
                raise StoreError(f"cannot open the store {self._masked}: {exc.reason}; and {none}. "
                                 "Start it when the database answers.") from None
            self._start_detached(saved, exc.reason)

    def _configure(self, conn: psycopg.Connection) -> None:
        conn.answer_within, conn.answer_group = self.answer_timeout, self  # type: ignore[attr-defined]
        _configure(conn)

    def _start_detached(self, saved: Saved, reason: str) -> None:
        """No database at start, but a saved state to serve (lastknown.serve_saved)."""
        self.offline_start = saved
        self.health.mark_down(reason)
        self.health.last_known = saved.to_dict()
        self._attach_tried = time.monotonic()

    def _attach(self) -> None:
        """Connect, bring the schema up to date and open the pool: at start, or (detached) when
        the database first answers. StoreUnavailable if it cannot be reached, StoreError if it
        refuses (authentication, an unknown database, a newer schema)."""
        try:
            with AnsweringConnection.connect(self._conninfo, autocommit=True) as conn:
                # one bound for it all (the migrations' own BEGIN and COMMIT included)
                conn.answer_within, conn.answer_group = None, self
                with Answered(conn, ATTACH_ANSWER):
                    version = migrate(conn)
                    schema = conn.execute("SELECT current_schema()").fetchone()[0]  # type: ignore[index]
        except psycopg.Error as exc:
            reason = " ".join(dsn.redact(exc).split()) or type(exc).__name__  # libpq's hints span lines
            if unreachable(reason):
                raise StoreUnavailable(f"the store {self._masked} cannot be reached: {reason}", reason) from None
            raise StoreError(f"cannot open the store {self._masked}: {reason}") from None
        except StoreError as exc:
            raise StoreError(f"cannot open the store {self._masked}: {exc}") from None
        self.schema_version, self.schema = version, schema
        self.channel = f"edge_changes:{schema}"[:63]
        self.pool.open()
        self._attached = True

    def _attach_again(self) -> None:
        """A detached store's calls: one of them at a time, at most every ATTACH_RETRY seconds,
        tries to attach; the others fail at once (503), as while the database is known down."""
        if not self._attach_lock.acquire(blocking=False):
            raise StoreUnavailable(f"the store {self._masked} cannot be reached: {self.health.error}")
        try:
            if self._attached:
                return
            if time.monotonic() - self._attach_tried < ATTACH_RETRY:
                raise StoreUnavailable(f"the store {self._masked} cannot be reached: {self.health.error}")
            try:
                self._attach()
            except StoreUnavailable as exc:
                self._attach_tried = time.monotonic()
                self.health.mark_down(exc.reason)
                raise
            except StoreError as exc:  # it answers, but refuses: still unavailable to this node's callers
                self._attach_tried = time.monotonic()
                reason = str(exc).removeprefix(f"cannot open the store {self._masked}: ")
                if reason != self._refusal_logged:  # once per distinct refusal: the operator's to fix
                    log.error("the store %s answers but refuses this node (still serving the last known state): %s",
                              self._masked, reason)
                    self._refusal_logged = reason
                self.health.mark_down(reason)
                raise StoreUnavailable(f"the store {self._masked} refuses this node: {reason}", reason) from None
            log.info("the store %s answers: attached (schema %s)", self._masked, self.schema)
        finally:
            self._attach_lock.release()

    def remember(self, snap: Snapshot, invalidated_through: int) -> None:
        self.last_known.save(snap, invalidated_through)

    def manifest_memory(self) -> ManifestMemory:
        """This node's record of what its manifest last published here (a node's manifest
        republishes only when it changed since: seeding.py)."""
        return ManifestMemory.load(self._memory_dir, self._identity)

    def describe(self) -> str:
        return self._masked

    # -- connections and transactions ----------------------------------------------------

    @property
    def wake(self) -> threading.Event:  # type: ignore[override]
        """Set on every change any node commits (starts listening on first use)."""
        with self._listener_lock:
            if self._listener is None and self.channel is not None:  # detached: once attached
                self._listener = Listener(self._conninfo, self.channel, self._wake, self.health.mark_down,
                                          connection_class=AnsweringConnection, group=self,
                                          answer_within=self.answer_timeout).start()
        return self._wake

    @property
    def listening(self) -> bool:
        return self._listener is not None and self._listener.listening

    def _checkout(self, timeout: float) -> psycopg.Connection:
        """A pooled connection that answers: each is checked (an empty query, bounded by
        the answer timeout). One the server closed meanwhile (a restart) is replaced, as the pool's
        own check would; one that does not answer ends the call (NoAnswer): the database is
        not answering, and trying the pool's other connections would only wait longer."""
        deadline = time.monotonic() + timeout
        while True:
            conn = self.pool.getconn(timeout=max(deadline - time.monotonic(), 0.001))
            conn.answer_within = self.answer_timeout  # type: ignore[attr-defined]
            try:
                ConnectionPool.check_connection(conn)
            except NoAnswer:
                self.pool.putconn(conn)
                raise
            except psycopg.Error:
                self.pool.putconn(conn)  # broken: the pool discards it and makes another
                if not conn.closed:
                    raise
                continue
            return conn

    def _finish(self, conn: psycopg.Connection, *, commit: bool) -> None:
        """End the transaction: COMMIT within the transaction's bound, or ROLLBACK (its failure
        leaves the connection broken, to be discarded: the caller's own error is what counts)."""
        if commit:
            with Answered(conn, conn.answer_within):  # type: ignore[attr-defined]
                conn.commit()
        elif not conn.closed:
            with contextlib.suppress(psycopg.Error), Answered(conn, self.answer_timeout):
                conn.rollback()

    def _no_answer(self, exc: NoAnswer) -> str:
        """The database stopped answering: the pool's idle connections reach the same stalled
        peer, so they are dropped now (the pool connects anew) rather than each making a later
        call wait its bound; the store is reported down with the reason."""
        reason = f"{exc}"
        with contextlib.suppress(Exception):
            self.pool.drain()
        self.health.mark_down(reason)
        return reason

    def _outcome_unknown(self, what: str, reason: str, check: str) -> StoreOutcomeUnknown:
        """A change's COMMIT was sent and no answer to it came back: it may be applied or not."""
        message = (f"the store {self._masked} {what} this change's commit: {reason}. The change may or may not be "
                   "applied (it is if the database received the commit): check the state "
                   f"({check}) before trying again")
        log.warning("%s", message)
        return StoreOutcomeUnknown(message, reason)

    @contextlib.contextmanager
    def _transaction(self, *, read_only: bool, within: float | None = None,
                     change: str | None = None) -> Iterator[psycopg.Connection]:
        """One transaction on a pooled connection. Its statements and its commit wait at most
        `within` seconds (default: the answer timeout) for their answers (`_waiting` gives one
        statement longer). `change`: a write an operator asked for, named by the commands that
        show its effect (CHANGE_SHOWN): if its COMMIT was sent but no answer came back
        (none in time, or the connection ended), StoreOutcomeUnknown says to check them before
        trying again, and is logged. Other writes (heartbeats, leftover collection: repeated by
        themselves) fail as StoreUnavailable, as before their commit."""
        if within is None:
            within = self.answer_timeout
        if not self._attached:
            self._attach_again()
        timeout = CHECKOUT_TIMEOUT if self.health.up else DOWN_CHECKOUT_TIMEOUT
        conn: psycopg.Connection | None = None
        committing = False
        try:
            conn = self._checkout(timeout)
            conn.read_only = read_only
            conn.isolation_level = (
                psycopg.IsolationLevel.REPEATABLE_READ if read_only else psycopg.IsolationLevel.READ_COMMITTED
            )
            conn.answer_within = within  # type: ignore[attr-defined]
            try:
                yield conn
            except BaseException:
                self._finish(conn, commit=False)
                raise
            # a connection already known broken sends no COMMIT (psycopg refuses at once): nothing applies
            committing = change is not None and not read_only and not conn.closed
            self._finish(conn, commit=True)
        except NoAnswer as exc:
            reason = self._no_answer(exc)
            if committing:  # the COMMIT was sent: it may yet apply (docs/fleet.md, Faults)
                raise self._outcome_unknown("did not answer", reason, change or "") from None
            raise StoreUnavailable(f"the store {self._masked} does not answer: {reason}", reason) from None
        except (pgerrors.LockNotAvailable, pgerrors.QueryCanceled) as exc:
            raise StoreError(f"the store is busy (another change held it too long), try again: "
                             f"{dsn.redact(exc).strip()}") from None
        except PoolTimeout:
            # not the pool's "couldn't get...": its last error, busy, or a (shared) direct attempt's
            if not self.health.up and self._connect_errors.last is None and NO_ANSWER in (self.health.error or ""):
                # known not to answer, and no newer word from the pool: a direct attempt would only
                # wait its own timeout to say the same
                reason, busy = self.health.error or "", False
            else:
                reason, busy = self._connect_errors.timed_out(self._conninfo, timeout, self.pool.get_stats())
            if busy and not self.health.up and self.health.error:
                # every connection in use while the database is known not to answer: they are
                # waiting on it (each for its bound at most), not on a busy database
                reason, busy = self.health.error, False
            if busy:  # the database answers: this request waited too long, the store is not down
                raise StoreBusy(f"the store {self._masked} is busy, try again: {reason}", reason) from None
            self.health.mark_down(reason)
            raise StoreUnavailable(f"the store {self._masked} cannot be reached: {reason}", reason) from None
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            reason = dsn.one_line(exc)
            self.health.mark_down(reason)
            if committing and not _commit_refused(exc):
                # the connection ended (reset, closed by a pooler or relay that crashed, a server
                # shutting down) after the COMMIT was sent: the database may have committed it
                raise self._outcome_unknown("lost the connection during", reason, change or "") from None
            raise StoreUnavailable(f"the store {self._masked} cannot be reached: {reason}", reason) from None
        except psycopg.Error as exc:
            if _refuses_data(exc):  # the request's own value: retrying cannot help (not a 503)
                raise StoreRefused(f"the store refused a value of this request: {dsn.redact(exc).strip()}") from None
            raise StoreError(f"store error: {dsn.redact(exc).strip()}") from None
        finally:
            if conn is not None:
                self.pool.putconn(conn)  # a broken one (abandoned, closed by the server) is discarded
        self.health.mark_up()

    @contextlib.contextmanager
    def write(self, blobs: dict[str, bytes] | None = None) -> Iterator[SqlTx]:
        with contextlib.suppress(NothingToWrite), contextlib.ExitStack() as stack:
            if blobs:
                stack.enter_context(self.blobs.deploying())
                for digest, data in blobs.items():
                    self.blobs.put(digest, data)  # this node's cache
            sending = sum(len(data) for data in (blobs or {}).values()) / TRANSFER_RATE  # seconds, at worst
            with self._transaction(read_only=False, within=self.answer_timeout + sending, change=CHANGE_SHOWN) as conn:
                with _waiting(conn, self.write_answer + sending):  # behind another writer's lock, perhaps
                    for digest, data in (blobs or {}).items():
                        self._put_blob(conn, digest, data)
                    row = conn.execute("UPDATE edge_revision SET value = value + 1 WHERE id = 1 RETURNING value"
                                       ).fetchone()
                yield PgTx(conn)  # the writer lock is this change's: no more waiting on others
                conn.execute("SELECT pg_notify(%s, %s)", (self.channel, str(row["value"])))  # type: ignore[index]

    @staticmethod
    def _put_blob(conn: psycopg.Connection, digest: str, data: bytes) -> None:
        """Store bytes unless present. Either way the row stays locked until commit, so
        leftover collection elsewhere cannot remove it before our version refers to it."""
        if conn.execute("UPDATE blobs SET touched = now() WHERE sha256 = %s", (digest,)).rowcount:
            return
        conn.execute(
            "INSERT INTO blobs (sha256, size, data) VALUES (%s, %s, %b)"
            " ON CONFLICT (sha256) DO UPDATE SET touched = now()",
            (digest, len(data), data),
        )

    @contextlib.contextmanager
    def read(self) -> Iterator[SqlTx]:
        with self._transaction(read_only=True) as conn:
            yield PgTx(conn)

    def revision(self) -> int:
        with self._transaction(read_only=True) as conn:
            return int(conn.execute("SELECT value FROM edge_revision WHERE id = 1").fetchone()["value"])  # type: ignore[index]

    def snapshot(self) -> Snapshot:
        with self._transaction(read_only=True) as conn:
            revision = conn.execute("SELECT value FROM edge_revision WHERE id = 1").fetchone()["value"]  # type: ignore[index]
            snap = Snapshot(int(revision))
            PgTx(conn).snapshot_into(snap)
        return snap

    def _fetch_blob(self, digest: str) -> bytes:
        with self._transaction(read_only=True) as conn:
            row = conn.execute("SELECT size FROM blobs WHERE sha256 = %s", (digest,)).fetchone()
            if row is not None:  # the bytes take their time to come: the bound grows with their size
                conn.answer_within = self.answer_timeout + row["size"] / TRANSFER_RATE  # type: ignore[attr-defined]
                row = conn.execute("SELECT data FROM blobs WHERE sha256 = %s", (digest,), binary=True).fetchone()
        if row is None:
            raise StoreError(f"the store has no module bytes for {digest}")
        return bytes(row["data"])

    def collect_blobs(self, referenced: set[str]) -> int:
        """Delete module bytes no version refers to. A deploy committing one meanwhile holds
        its row lock (see _put_blob), and the foreign key refuses to delete bytes in use."""
        try:
            with self._transaction(read_only=False) as conn, _waiting(conn, self.write_answer):  # a deploy's lock
                cursor = conn.execute(
                    "DELETE FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.sha256 = b.sha256)"
                )
                return cursor.rowcount
        except StoreError as exc:
            if isinstance(exc, StoreUnavailable):
                raise
            log.info("shared blob collection deferred: %s", exc)
            return 0

    # -- the node registry ----------------------------------------------------------------

    keeps_notes = True  # a heartbeat carries why its revision is behind (watcher.py; nodes.py shows it)

    def heartbeat(self, node: NodeInfo, applied_revision: int, *, stopped: bool = False,
                  note: str | None = None) -> bool:
        """`note`: why this worker has not applied the store's latest revision (its stored
        behaviors/origins cannot be applied here), for `edge nodes` on every node."""
        with self._transaction(read_only=False) as conn:
            conn.execute(
                "INSERT INTO nodes (name, host, pid, address, admin_address, applied_revision, started, heartbeat,"
                " stopped, release, main_pid, note) VALUES (%s, %s, %s, %s, %s, %s, extract(epoch from now()),"
                " extract(epoch from now()), %s, %s, %s, %s)"
                " ON CONFLICT (name, host, pid) DO UPDATE SET address = excluded.address,"
                " admin_address = excluded.admin_address, applied_revision = excluded.applied_revision,"
                " heartbeat = excluded.heartbeat, stopped = excluded.stopped, release = excluded.release,"
                " main_pid = excluded.main_pid, note = excluded.note",
                (node.name, node.host, node.pid, node.address, node.admin_address, applied_revision, stopped,
                 node.release, node.main_pid, note),
            )
            conn.execute("DELETE FROM nodes WHERE heartbeat < extract(epoch from now()) - %s", (NODE_ROWS_KEPT,))
        return True

    def nodes(self) -> list[dict[str, Any]]:
        with self._transaction(read_only=True) as conn:
            rows = conn.execute(NODE_READ + " ORDER BY name, host, pid", prepare=False).fetchall()
        return [dict(row) for row in rows]

    def forget_node(self, name: str, live_within: float) -> tuple[list[dict[str, Any]], int]:
        with self._transaction(read_only=False, change="`edge nodes`") as conn:
            with _waiting(conn, self.write_answer):  # another forget's lock
                rows = [dict(row) for row in conn.execute(
                    NODE_READ + " WHERE name = %s ORDER BY host, pid FOR UPDATE", (name,), prepare=False)]
            if not rows or any(not r["stopped"] and r["age"] <= live_within for r in rows):
                return rows, 0
            # a worker of the node that beats meanwhile inserts a row this leaves alone
            deleted = conn.execute(
                "DELETE FROM nodes WHERE name = %s AND (stopped OR heartbeat < extract(epoch from now()) - %s)",
                (name, live_within)).rowcount
        return rows, deleted

    def abandon_waits(self) -> int:
        """Stopping: every wait for the database in flight ends now (each raises, as if the
        database had not answered), so a stop is not held up by a database that does not answer."""
        return DEADLINES.abandon(self)

    def close(self) -> None:
        if self._listener is not None:
            self._listener.stop()
        self.abandon_waits()  # admin calls still waiting (past the graceful stop) end now
        # while the database is away the pool's workers may be in a connection attempt (connect_timeout):
        # they are not waited for (daemon threads, they end by themselves)
        self.pool.close(timeout=5 if self.health.up else 0.05)
