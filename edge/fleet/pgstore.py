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

Every call blocks (the control plane runs off the event loop). Connections come from a
bounded pool (POOL_MAX per worker process, plus one for LISTEN). A database that cannot be
reached raises StoreUnavailable and marks `health` down; serving goes on from what is loaded.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from ..control.rows import NodeInfo, Snapshot, StoreError, StoreUnavailable
from ..control.sqltx import SqlTx
from ..control.storeapi import ControlStore
from . import dsn
from .listen import Listener
from .migrate import migrate
from .pgblobs import CachedBlobs

log = logging.getLogger("edge.fleet")

POOL_MIN, POOL_MAX = 1, 4  # per worker process (the control thread pool has 4 threads)
CHECKOUT_TIMEOUT = 5.0  # seconds to wait for a pooled connection
DOWN_CHECKOUT_TIMEOUT = 1.0  # ... while the database is known to be unreachable: answer 503 fast
CATCH_UP_INTERVAL = 1.0  # seconds between revision reads with no notification
LOCK_TIMEOUT_MS = 10_000  # a writer waits this long for the others (then 503 store_busy)
IDLE_IN_TRANSACTION_MS = 60_000  # a node stuck inside a transaction releases the writer lock
NODE_ROWS_KEPT = 24 * 3600  # seconds a silent worker's row is kept for `edge nodes`

_PLACEHOLDERS: dict[str, str] = {}


def _pg(query: str) -> str:
    """`?` placeholders (the portable SQL of sqltx.py) as psycopg's `%s`."""
    converted = _PLACEHOLDERS.get(query)
    if converted is None:
        converted = _PLACEHOLDERS[query] = query.replace("?", "%s")
    return converted


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
        try:
            with psycopg.connect(self._conninfo, autocommit=True) as conn:
                self.schema_version = migrate(conn)
                self.schema = conn.execute("SELECT current_schema()").fetchone()[0]  # type: ignore[index]
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the store {self._masked}: {dsn.redact(exc).strip()}") from None
        except StoreError as exc:
            raise StoreError(f"cannot open the store {self._masked}: {exc}") from None
        self.channel = f"edge_changes:{self.schema}"[:63]  # one fleet per schema
        self.pool = ConnectionPool(
            self._conninfo, min_size=POOL_MIN, max_size=POOL_MAX, open=False, name="edge-store",
            kwargs={"row_factory": dict_row}, configure=_configure, check=ConnectionPool.check_connection,
            timeout=CHECKOUT_TIMEOUT, max_idle=60.0,
        )
        self.pool.open()
        self.blobs = CachedBlobs(Path(cache_dir), self._fetch_blob)
        self._listener: Listener | None = None
        self._listener_lock = threading.Lock()
        self._wake = threading.Event()

    def describe(self) -> str:
        return self._masked

    # -- connections and transactions ----------------------------------------------------

    @property
    def wake(self) -> threading.Event:  # type: ignore[override]
        """Set on every change any node commits (starts listening on first use)."""
        with self._listener_lock:
            if self._listener is None:
                self._listener = Listener(self._conninfo, self.channel, self._wake, self.health.mark_down).start()
        return self._wake

    @property
    def listening(self) -> bool:
        return self._listener is not None and self._listener.listening

    @contextlib.contextmanager
    def _transaction(self, *, read_only: bool) -> Iterator[psycopg.Connection]:
        timeout = CHECKOUT_TIMEOUT if self.health.up else DOWN_CHECKOUT_TIMEOUT
        try:
            with self.pool.connection(timeout=timeout) as conn:
                conn.read_only = read_only
                conn.isolation_level = (
                    psycopg.IsolationLevel.REPEATABLE_READ if read_only else psycopg.IsolationLevel.READ_COMMITTED
                )
                with conn.transaction():
                    yield conn
        except (pgerrors.LockNotAvailable, pgerrors.QueryCanceled) as exc:
            raise StoreError(f"the store is busy (another change held it too long), try again: "
                             f"{dsn.redact(exc).strip()}") from None
        except (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError) as exc:
            reason = dsn.redact(exc).strip() or type(exc).__name__
            self.health.mark_down(reason)
            raise StoreUnavailable(f"the store {self._masked} cannot be reached: {reason}") from None
        except psycopg.Error as exc:
            raise StoreError(f"store error: {dsn.redact(exc).strip()}") from None
        self.health.mark_up()

    @contextlib.contextmanager
    def write(self, blobs: dict[str, bytes] | None = None) -> Iterator[SqlTx]:
        with contextlib.ExitStack() as stack:
            if blobs:
                stack.enter_context(self.blobs.deploying())
                for digest, data in blobs.items():
                    self.blobs.put(digest, data)  # this node's cache
            with self._transaction(read_only=False) as conn:
                for digest, data in (blobs or {}).items():
                    self._put_blob(conn, digest, data)
                row = conn.execute("UPDATE edge_revision SET value = value + 1 WHERE id = 1 RETURNING value").fetchone()
                yield PgTx(conn)
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
            row = conn.execute("SELECT data FROM blobs WHERE sha256 = %s", (digest,), binary=True).fetchone()
        if row is None:
            raise StoreError(f"the store has no module bytes for {digest}")
        return bytes(row["data"])

    def collect_blobs(self, referenced: set[str]) -> int:
        """Delete module bytes no version refers to. A deploy committing one meanwhile holds
        its row lock (see _put_blob), and the foreign key refuses to delete bytes in use."""
        try:
            with self._transaction(read_only=False) as conn:
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

    def heartbeat(self, node: NodeInfo, applied_revision: int, *, stopped: bool = False) -> bool:
        with self._transaction(read_only=False) as conn:
            conn.execute(
                "INSERT INTO nodes (name, host, pid, address, admin_address, applied_revision, started, heartbeat,"
                " stopped) VALUES (%s, %s, %s, %s, %s, %s, extract(epoch from now()), extract(epoch from now()), %s)"
                " ON CONFLICT (name, host, pid) DO UPDATE SET address = excluded.address,"
                " admin_address = excluded.admin_address, applied_revision = excluded.applied_revision,"
                " heartbeat = excluded.heartbeat, stopped = excluded.stopped",
                (node.name, node.host, node.pid, node.address, node.admin_address, applied_revision, stopped),
            )
            conn.execute("DELETE FROM nodes WHERE heartbeat < extract(epoch from now()) - %s", (NODE_ROWS_KEPT,))
        return True

    def nodes(self) -> list[dict[str, Any]]:
        with self._transaction(read_only=True) as conn:
            rows = conn.execute(
                "SELECT *, greatest(0, extract(epoch from now()) - heartbeat)::float8 AS age FROM nodes"
                " ORDER BY name, host, pid"
            ).fetchall()
        return [dict(row) for row in rows]

    def close(self) -> None:
        if self._listener is not None:
            self._listener.stop()
        self.pool.close(timeout=5)
