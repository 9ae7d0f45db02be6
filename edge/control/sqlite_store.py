"""The embedded store: SQLite (WAL) for metadata, a directory of content-addressed module blobs.

Why this shape:
- Every change is one SQLite transaction (BEGIN IMMEDIATE: one writer at a time across all
  worker processes), so a crash leaves the previous state or the whole new one, and two
  concurrent deploys get consecutive version numbers.
- A blob is written (temp file, fsync, rename) *before* the transaction that refers to it
  commits: a visible version always has its bytes; a crash in between leaves at most an
  unreferenced blob, collected at the next start (edge/control/leftovers.py).
- `meta.revision` goes up by one per committed change. Workers poll it (one indexed read)
  to notice changes made by other processes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .additions import add_sqlite_columns
from .blobs import BlobStore
from .nudges import Nudges
from .rows import NodeInfo, NothingToWrite, Snapshot, StoreError, out_of_space
from .sqltx import SqlTx, roll_back
from .storeapi import NODE_COLUMNS, ControlStore

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS functions (
    name TEXT PRIMARY KEY,
    next_version INTEGER NOT NULL,      -- numbers are never reused, even after a delete
    manifest_digest TEXT,               -- what the manifest last published (sha256 + settings)
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    function TEXT NOT NULL REFERENCES functions(name),
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    abi TEXT NOT NULL,
    settings TEXT NOT NULL,             -- canonical JSON (settings.py)
    description TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL,               -- 'api' | 'manifest'
    created REAL NOT NULL,
    PRIMARY KEY (function, version)
);
CREATE TABLE IF NOT EXISTS aliases (
    function TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    canary_version INTEGER,
    canary_weight REAL,
    updated REAL NOT NULL,
    PRIMARY KEY (function, name),
    FOREIGN KEY (function, version) REFERENCES versions(function, version),
    FOREIGN KEY (function, canary_version) REFERENCES versions(function, version)
);
CREATE TABLE IF NOT EXISTS alias_history (  -- every move but a rollback (which pops it)
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    function TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    canary_version INTEGER,
    canary_weight REAL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS alias_history_by_alias ON alias_history(function, name, id);
CREATE TABLE IF NOT EXISTS invalidations (   -- cache purges, applied by every worker
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    paths TEXT NOT NULL,                -- JSON list of path patterns
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS routing (         -- behaviors and origins, as a JSON document
    id INTEGER PRIMARY KEY CHECK (id = 1),
    document TEXT NOT NULL,
    origin TEXT NOT NULL,               -- 'api' | 'manifest'
    manifest_digest TEXT,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (           -- worker processes and the revision each serves
    name TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    address TEXT NOT NULL,
    admin_address TEXT,
    applied_revision INTEGER NOT NULL,
    started REAL NOT NULL,
    heartbeat REAL NOT NULL,
    stopped INTEGER NOT NULL DEFAULT 0,
    release TEXT,                            -- `edge --version` of the process (NULL: an earlier release)
    main_pid INTEGER,                        -- the node's main process (NULL: an earlier release)
    PRIMARY KEY (name, host, pid)
);
"""

NODE_ROWS_KEPT = 24 * 3600.0  # seconds a silent worker's row is kept for `edge nodes`
HEARTBEAT_WAIT = 0.2  # seconds a heartbeat waits for the writer lock before leaving it to the next tick


def _switch_to_wal(db: sqlite3.Connection, timeout: float) -> None:
    """`PRAGMA journal_mode = WAL` on a database another process is creating fails at once
    with `database is locked` (SQLite's busy timeout does not cover it): several workers
    opening a new store together must wait their turn, not fail."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


class SqliteStore(ControlStore):
    """Metadata in `<dir>/control.db`, blobs in `<dir>/modules/`. Thread-safe; one per process."""

    kind = "sqlite"

    def __init__(self, directory: str | Path, *, busy_timeout_ms: int = 10_000) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.path = self.directory / "control.db"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.blobs = BlobStore(self.directory / "modules")
            self._writer = self._connect(busy_timeout_ms)
            self._reader = self._connect(busy_timeout_ms)
            self._init_schema()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}{_what_to_do(exc, self.path)}") from None
        except StoreError as exc:  # what it holds (its schema) is not for this server
            raise StoreError(f"cannot open the store {self.path}: {exc}") from None
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._started = time.time()
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._nudges = Nudges(self.directory)  # commits wake the other processes' watchers at once
        self._wake: threading.Event | None = None
        self._wake_tried = False
        self._wake_lock = threading.Lock()

    def describe(self) -> str:
        return str(self.directory)

    @property
    def wake(self) -> threading.Event | None:  # type: ignore[override]
        """Set when another process commits a change to this store (nudges.py; listening starts
        on first use, by the watcher); None where nothing can listen: the watcher polls."""
        with self._wake_lock:
            if not self._wake_tried:
                self._wake_tried = True
                event = threading.Event()
                if self._nudges.listen(event):
                    self._wake = event
            return self._wake

    def _connect(self, busy_timeout_ms: int) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (BEGIN IMMEDIATE for writers).
        db = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        _switch_to_wal(db, busy_timeout_ms / 1000)
        db.execute("PRAGMA synchronous = FULL")  # a deploy that was answered survives a power cut
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        return db

    def _init_schema(self) -> None:
        db = self._writer
        db.executescript("BEGIN IMMEDIATE;" + SCHEMA + "COMMIT;")  # idempotent: IF NOT EXISTS
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                db.execute("INSERT INTO meta (key, value) VALUES ('revision', '0')")
            else:
                _check_schema(row[0])
            add_sqlite_columns(db)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def revision(self) -> int:
        with self._read_lock:
            return int(self._reader.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])

    @contextlib.contextmanager
    def write(self, blobs: dict[str, bytes] | None = None) -> Iterator[SqlTx]:
        with contextlib.suppress(NothingToWrite), contextlib.ExitStack() as stack:
            if blobs:
                stack.enter_context(self.blobs.deploying())
                for digest, data in blobs.items():
                    self.blobs.put(digest, data)
            with self._write_lock:
                db = self._writer
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield SqlTx(db)
                    db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
                    db.execute("COMMIT")
                except BaseException:
                    roll_back(db)
                    raise
            self._nudges.announce()  # the other workers apply it now, not at their next poll

    @contextlib.contextmanager
    def read(self) -> Iterator[SqlTx]:
        """A consistent read-only view (WAL: never blocks writers, never blocked by them)."""
        with self._read_lock:
            db = self._reader
            db.execute("BEGIN")
            try:
                yield SqlTx(db)
            finally:
                db.execute("COMMIT")

    def snapshot(self) -> Snapshot:
        with self.read() as tx:
            snap = Snapshot(int(tx.db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0]))
            tx.snapshot_into(snap)
        return snap

    # -- the node registry (one machine: its worker processes) ---------------------------

    def heartbeat(self, node: NodeInfo, applied_revision: int, *, stopped: bool = False) -> bool:
        """Best effort: skipped (False; the next tick writes it) rather than waiting for a deploy to commit."""
        now = time.time()
        if not self._write_lock.acquire(timeout=HEARTBEAT_WAIT):
            return False
        try:
            db = self._writer
            db.execute(f"PRAGMA busy_timeout = {int(HEARTBEAT_WAIT * 1000)}")
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    return False
                raise
            finally:
                db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            try:
                db.execute(
                    "INSERT INTO nodes (name, host, pid, address, admin_address, applied_revision, started,"
                    " heartbeat, stopped, release, main_pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (name, host, pid) DO UPDATE SET address = excluded.address,"
                    " admin_address = excluded.admin_address, applied_revision = excluded.applied_revision,"
                    " heartbeat = excluded.heartbeat, stopped = excluded.stopped, release = excluded.release,"
                    " main_pid = excluded.main_pid",
                    (node.name, node.host, node.pid, node.address, node.admin_address, applied_revision,
                     self._started, now, int(stopped), node.release, node.main_pid),
                )
                db.execute("DELETE FROM nodes WHERE heartbeat < ?", (now - NODE_ROWS_KEPT,))
                db.execute("COMMIT")
            except BaseException:
                roll_back(db)
                raise
            return True
        finally:
            self._write_lock.release()

    def nodes(self) -> list[dict[str, Any]]:
        with self.read() as tx:
            rows = tx._all(f"SELECT {NODE_COLUMNS} FROM nodes ORDER BY name, host, pid")
        now = time.time()
        return [dict(row) | {"age": max(0.0, now - row["heartbeat"]), "stopped": bool(row["stopped"])} for row in rows]

    def forget_node(self, name: str, live_within: float) -> tuple[list[dict[str, Any]], int]:
        with self._write_lock:
            db = self._writer
            db.execute("BEGIN IMMEDIATE")
            try:
                now = time.time()
                rows = [dict(row) | {"age": max(0.0, now - row["heartbeat"]), "stopped": bool(row["stopped"])}
                        for row in db.execute(f"SELECT {NODE_COLUMNS} FROM nodes WHERE name = ? ORDER BY host, pid",
                                              (name,))]
                deleted = 0
                if rows and not any(not r["stopped"] and r["age"] <= live_within for r in rows):
                    deleted = db.execute("DELETE FROM nodes WHERE name = ? AND (stopped OR heartbeat < ?)",
                                         (name, now - live_within)).rowcount
                db.execute("COMMIT")
            except BaseException:
                roll_back(db)
                raise
        return rows, deleted

    def close(self) -> None:
        self._nudges.close()
        with self._write_lock, self._read_lock:
            self._writer.close()
            self._reader.close()


def sqlite_exists(directory: str | os.PathLike[str]) -> bool:
    return (Path(directory) / "control.db").exists()


DAMAGED = ("restore the state directory from a backup (docs/deploy.md, Backups of the store), or move its store/ "
           "directory aside to start with an empty store")


def _check_schema(value: object) -> None:
    """The schema this server reads is its own or an older one it brings up to date: a newer
    one was written by a later release (a downgrade), anything else is not edge's."""
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        raise StoreError(f"its schema version is {text[:40]!r}, not a number: the file is damaged or was not "
                         f"written by edge; {DAMAGED}")
    if int(text) > SCHEMA_VERSION:
        raise StoreError(
            f"it has schema version {text}, newer than this server's {SCHEMA_VERSION}: a later release of edge "
            "wrote it. Run that release (or a later one) on it, or restore a backup of the store made by this "
            "release (docs/deploy.md, Backups of the store)")


def _denied(path: Path) -> bool:
    """Whether this process may not read and write the database file or its directory (SQLite
    says only `unable to open database file`)."""
    directory = path.parent
    if not os.access(directory, os.W_OK | os.X_OK):
        return True
    return any(p.exists() and not os.access(p, os.R_OK | os.W_OK)
               for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")))


def _what_to_do(exc: Exception, path: Path) -> str:
    """The operator's next step for a store that cannot be opened, where there is a clear one."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None  # Python gives SQLite's extended code
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return f"; the file is damaged: {DAMAGED}"
    if out_of_space(exc, path.parent):
        return "; the disk is full: free space on it (or give --state-dir on a disk with room) and start again"
    if primary == sqlite3.SQLITE_CANTOPEN and _denied(path) or isinstance(exc, PermissionError):
        return (f"; permission denied: this user (uid {os.geteuid()}) cannot read and write {path} or its "
                "directory: run edge serve as their owner, or give them to its user (chown -R the state directory)")
    if primary == sqlite3.SQLITE_READONLY:
        return "; the server needs to write there: check the directory's permissions and mount (--state-dir)"
    return ""
