"""The durable store: SQLite (WAL) for metadata, a directory of content-addressed module blobs.

Why this shape:
- Every change is one SQLite transaction (BEGIN IMMEDIATE: one writer at a time across all
  worker processes), so a crash leaves the previous state or the whole new one, and two
  concurrent deploys get consecutive version numbers.
- A blob is written (temp file, fsync, rename) *before* the transaction that refers to it
  commits: a visible version always has its bytes; a crash in between leaves at most an
  unreferenced blob, which is harmless and reused by the next deploy of the same bytes.
- `meta.revision` goes up by one per committed change. Workers poll it (one indexed read)
  to notice changes made by other processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..runtime.module import write_atomic

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
"""


class StoreError(RuntimeError):
    """The store cannot be opened or used (a message naming the file and the reason)."""


@dataclass(frozen=True, slots=True)
class VersionRow:
    function: str
    version: int
    sha256: str
    size: int
    abi: str
    settings: str
    description: str
    origin: str
    created: float

    @property
    def settings_dict(self) -> dict[str, Any]:
        return json.loads(self.settings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "function": self.function, "version": self.version, "sha256": self.sha256, "size": self.size,
            "abi": self.abi, "settings": self.settings_dict, "description": self.description,
            "origin": self.origin, "created": self.created,
        }


@dataclass(frozen=True, slots=True)
class AliasRow:
    function: str
    name: str
    version: int
    canary_version: int | None
    canary_weight: float | None
    updated: float

    @property
    def versions(self) -> tuple[int, ...]:
        return (self.version,) if self.canary_version is None else (self.version, self.canary_version)

    def to_dict(self) -> dict[str, Any]:
        canary = None
        if self.canary_version is not None:
            canary = {"version": self.canary_version, "weight": self.canary_weight}
        return {"function": self.function, "name": self.name, "version": self.version, "canary": canary,
                "updated": self.updated}


@dataclass(frozen=True, slots=True)
class RoutingRow:
    document: dict[str, Any]
    origin: str
    manifest_digest: str | None
    updated: float


@dataclass
class Snapshot:
    """Everything the store holds at one revision (read in one transaction)."""

    revision: int
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, dict[int, VersionRow]] = field(default_factory=dict)
    aliases: dict[str, dict[str, AliasRow]] = field(default_factory=dict)
    routing: RoutingRow | None = None

    def latest(self, name: str) -> int | None:
        versions = self.versions.get(name)
        return max(versions) if versions else None


def _version(row: sqlite3.Row) -> VersionRow:
    return VersionRow(row["function"], row["version"], row["sha256"], row["size"], row["abi"], row["settings"],
                      row["description"], row["origin"], row["created"])


def _alias(row: sqlite3.Row) -> AliasRow:
    return AliasRow(row["function"], row["name"], row["version"], row["canary_version"], row["canary_weight"],
                    row["updated"])


class Tx:
    """One write transaction. Methods raise nothing surprising; constraint errors propagate."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # -- functions and versions ---------------------------------------------------------

    def function(self, name: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM functions WHERE name = ?", (name,)).fetchone()
        return dict(row) if row else None

    def ensure_function(self, name: str) -> dict[str, Any]:
        self.db.execute(
            "INSERT OR IGNORE INTO functions (name, next_version, created) VALUES (?, 1, ?)", (name, time.time())
        )
        return self.function(name)  # type: ignore[return-value]

    def versions(self, name: str) -> list[VersionRow]:
        rows = self.db.execute("SELECT * FROM versions WHERE function = ? ORDER BY version", (name,))
        return [_version(r) for r in rows]

    def version(self, name: str, number: int) -> VersionRow | None:
        row = self.db.execute("SELECT * FROM versions WHERE function = ? AND version = ?", (name, number)).fetchone()
        return _version(row) if row else None

    def latest(self, name: str) -> VersionRow | None:
        row = self.db.execute(
            "SELECT * FROM versions WHERE function = ? ORDER BY version DESC LIMIT 1", (name,)
        ).fetchone()
        return _version(row) if row else None

    def insert_version(
        self, name: str, sha256: str, size: int, abi: str, settings: str, description: str, origin: str
    ) -> VersionRow:
        number = self.ensure_function(name)["next_version"]
        now = time.time()
        self.db.execute(
            "INSERT INTO versions (function, version, sha256, size, abi, settings, description, origin, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, number, sha256, size, abi, settings, description, origin, now),
        )
        self.db.execute("UPDATE functions SET next_version = ? WHERE name = ?", (number + 1, name))
        return VersionRow(name, number, sha256, size, abi, settings, description, origin, now)

    def set_manifest_digest(self, name: str, digest: str) -> None:
        self.db.execute("UPDATE functions SET manifest_digest = ? WHERE name = ?", (digest, name))

    def delete_version(self, name: str, number: int) -> None:
        self.db.execute("DELETE FROM alias_history WHERE function = ? AND (version = ? OR canary_version = ?)",
                        (name, number, number))
        self.db.execute("DELETE FROM versions WHERE function = ? AND version = ?", (name, number))

    def delete_function(self, name: str) -> None:
        for table in ("alias_history", "aliases", "versions"):
            self.db.execute(f"DELETE FROM {table} WHERE function = ?", (name,))
        self.db.execute("DELETE FROM functions WHERE name = ?", (name,))

    # -- aliases ------------------------------------------------------------------------

    def alias(self, name: str, alias: str) -> AliasRow | None:
        row = self.db.execute("SELECT * FROM aliases WHERE function = ? AND name = ?", (name, alias)).fetchone()
        return _alias(row) if row else None

    def aliases(self, name: str) -> list[AliasRow]:
        rows = self.db.execute("SELECT * FROM aliases WHERE function = ? ORDER BY name", (name,))
        return [_alias(r) for r in rows]

    def set_alias(
        self, name: str, alias: str, version: int, canary: tuple[int, float] | None, *, history: bool = True
    ) -> AliasRow:
        now = time.time()
        cv, cw = canary if canary else (None, None)
        self.db.execute(
            "INSERT INTO aliases (function, name, version, canary_version, canary_weight, updated)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (function, name) DO UPDATE SET"
            " version = excluded.version, canary_version = excluded.canary_version,"
            " canary_weight = excluded.canary_weight, updated = excluded.updated",
            (name, alias, version, cv, cw, now),
        )
        if history:
            self.db.execute(
                "INSERT INTO alias_history (function, name, version, canary_version, canary_weight, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (name, alias, version, cv, cw, now),
            )
        return AliasRow(name, alias, version, cv, cw, now)

    def history(self, name: str, alias: str) -> list[tuple[int, int, int | None, float | None]]:
        """(id, version, canary_version, canary_weight), newest first."""
        rows = self.db.execute(
            "SELECT id, version, canary_version, canary_weight FROM alias_history"
            " WHERE function = ? AND name = ? ORDER BY id DESC",
            (name, alias),
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def drop_history(self, ids: list[int]) -> None:
        self.db.executemany("DELETE FROM alias_history WHERE id = ?", [(i,) for i in ids])

    def delete_alias(self, name: str, alias: str) -> None:
        self.db.execute("DELETE FROM aliases WHERE function = ? AND name = ?", (name, alias))
        self.db.execute("DELETE FROM alias_history WHERE function = ? AND name = ?", (name, alias))

    # -- invalidations --------------------------------------------------------------------

    def add_invalidation(self, paths: list[str]) -> int:
        cursor = self.db.execute(
            "INSERT INTO invalidations (paths, created) VALUES (?, ?)", (json.dumps(paths), time.time())
        )
        return int(cursor.lastrowid)  # type: ignore[arg-type]

    def invalidations_after(self, last_id: int) -> list[tuple[int, list[str]]]:
        rows = self.db.execute("SELECT id, paths FROM invalidations WHERE id > ? ORDER BY id", (last_id,))
        return [(int(row[0]), json.loads(row[1])) for row in rows]

    def last_invalidation(self) -> int:
        row = self.db.execute("SELECT MAX(id) FROM invalidations").fetchone()
        return int(row[0] or 0)

    # -- routing ------------------------------------------------------------------------

    def routing(self) -> RoutingRow | None:
        row = self.db.execute("SELECT * FROM routing WHERE id = 1").fetchone()
        if row is None:
            return None
        return RoutingRow(json.loads(row["document"]), row["origin"], row["manifest_digest"], row["updated"])

    def set_routing(self, document: dict[str, Any], origin: str, manifest_digest: str | None) -> None:
        self.db.execute(
            "INSERT INTO routing (id, document, origin, manifest_digest, updated) VALUES (1, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET document = excluded.document, origin = excluded.origin,"
            " manifest_digest = excluded.manifest_digest, updated = excluded.updated",
            (json.dumps(document, sort_keys=True), origin, manifest_digest, time.time()),
        )


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


class Store:
    """Metadata in `<dir>/control.db`, blobs in `<dir>/modules/`. Thread-safe; one per process."""

    def __init__(self, directory: str | Path, *, busy_timeout_ms: int = 10_000) -> None:
        self.directory = Path(directory)
        self.path = self.directory / "control.db"
        self.blobs = BlobStore(self.directory / "modules")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._writer = self._connect(busy_timeout_ms)
            self._reader = self._connect(busy_timeout_ms)
            self._init_schema()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}") from None
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()

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
            elif int(row[0]) > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {row[0]}, newer than this server's {SCHEMA_VERSION}"
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def revision(self) -> int:
        with self._read_lock:
            return int(self._reader.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])

    @contextlib.contextmanager
    def write(self) -> Iterator[Tx]:
        """One write transaction; the revision goes up when it commits, nothing happens if it raises."""
        with self._write_lock:
            db = self._writer
            db.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(db)
                db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def read(self) -> Iterator[Tx]:
        """A consistent read-only view (WAL: never blocks writers, never blocked by them)."""
        with self._read_lock:
            db = self._reader
            db.execute("BEGIN")
            try:
                yield Tx(db)
            finally:
                db.execute("COMMIT")

    def function_names(self) -> set[str]:
        with self.read() as tx:
            return {row[0] for row in tx.db.execute("SELECT name FROM functions")}

    def snapshot(self) -> Snapshot:
        with self.read() as tx:
            db = tx.db
            snap = Snapshot(int(db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0]))
            for row in db.execute("SELECT * FROM functions"):
                snap.functions[row["name"]] = dict(row)
                snap.versions[row["name"]] = {}
                snap.aliases[row["name"]] = {}
            for row in db.execute("SELECT * FROM versions"):
                snap.versions[row["function"]][row["version"]] = _version(row)
            for row in db.execute("SELECT * FROM aliases"):
                snap.aliases[row["function"]][row["name"]] = _alias(row)
            snap.routing = tx.routing()
        return snap

    def close(self) -> None:
        with self._write_lock, self._read_lock:
            self._writer.close()
            self._reader.close()


class BlobStore:
    """Module bytes by sha256: `<dir>/<sha256>.wasm`, written atomically, never modified."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.directory / f"{sha256}.wasm"

    def put(self, sha256: str, data: bytes) -> bool:
        """Store the bytes unless already there; True if written now."""
        path = self.path(sha256)
        if path.exists():
            return False
        write_atomic(path, data)
        _fsync_dir(self.directory)  # the rename itself must survive a power cut before the commit does
        return True

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
