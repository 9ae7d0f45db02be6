"""Function logs shared by every worker process: one SQLite file (`<state>/logs.db`).

With `--workers N` an admin request reaches one worker, but the invocations it asks about
ran on any of them. Each worker queues its records in memory (the request path only
appends to a deque) and a background thread inserts them in batches every 100 ms, so a
query or `--follow` sees every worker's lines within about that delay. Logs are not
precious: the file uses synchronous=OFF and keeps only the newest `keep` records. An
invocation is queued compact (logs.Invocation) and rendered into its records by the writer
thread, off the request path.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from pathlib import Path

from .logs import RECORD_OVERHEAD, Invocation, LogRecord
from .sqltx import roll_back

log = logging.getLogger("edge.control")

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL, function TEXT NOT NULL, version TEXT NOT NULL, request_id TEXT NOT NULL,
    event_type TEXT NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_function ON records(function, id);
CREATE INDEX IF NOT EXISTS records_by_request ON records(request_id, id);
"""
COLUMNS = "time, function, version, request_id, event_type, level, message"
MAX_PENDING_BYTES = 64 * 1024 * 1024  # queued for the writer thread; past it, new lines are dropped


class SharedLogs:
    def __init__(self, path: str | Path, *, keep: int = 200_000, interval: float = 0.1) -> None:
        self.path = Path(path)
        self.keep = keep
        self.interval = interval
        self._pending: deque[LogRecord | Invocation] = deque()
        self._pending_bytes = 0  # bounded by MAX_PENDING_BYTES: a stuck disk loses lines, not memory
        self._queue_lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one flush at a time: taken, rendered and written in order
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.executescript(SCHEMA)
        self._stop = threading.Event()
        self._last_trim = 0.0
        self._failing: str | None = None  # why writing fails, logged once while it lasts (a full disk: every 100 ms)
        self._thread = threading.Thread(target=self._run, name="edge-log-writer", daemon=True)
        self._thread.start()

    def add(self, record: LogRecord | Invocation) -> None:
        size = record.size if isinstance(record, Invocation) else len(record.message) + RECORD_OVERHEAD
        with self._queue_lock:
            if self._pending_bytes + size > MAX_PENDING_BYTES:
                return
            self._pending_bytes += size
            self._pending.append(record)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._flush_logged()

    def _flush_logged(self) -> None:
        """Write what is queued; a failure is logged once while it lasts (the lines of a batch
        that cannot be written are dropped: a stuck disk loses lines, not memory), and so is the
        first write that works again."""
        try:
            wrote = self.flush()
        except sqlite3.Error as exc:
            if str(exc) != self._failing:
                log.warning("cannot write function logs to %s: %s (those lines are dropped until it can)",
                            self.path, exc)
                self._failing = str(exc)
            return
        except Exception as exc:  # the writer must outlive a bad record
            if str(exc) != self._failing:
                log.exception("cannot write function logs to %s", self.path)
                self._failing = str(exc)
            return
        if self._failing is not None and wrote:  # a pass with nothing queued proves nothing
            log.warning("function logs are written to %s again", self.path)
            self._failing = None

    def flush(self) -> int:
        """Write what is queued; how many records that was."""
        with self._flush_lock:
            with self._queue_lock:
                batch, self._pending = self._pending, deque()
                self._pending_bytes = 0
            if batch:
                self._write(batch)
            return len(batch)

    def _write(self, batch: deque[LogRecord | Invocation]) -> None:
        rows = [
            (r.time, r.function, r.version, r.request_id, r.event_type, r.level, r.message)
            for item in batch
            for r in (item.records() if isinstance(item, Invocation) else (item,))
        ]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(f"INSERT INTO records ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                now = time.monotonic()
                if now - self._last_trim > 10:
                    self._last_trim = now
                    self._db.execute("DELETE FROM records WHERE id <= (SELECT MAX(id) FROM records) - ?", (self.keep,))
                self._db.execute("COMMIT")
            except BaseException:
                roll_back(self._db)
                raise

    def query(
        self, function: str | None, request_id: str | None, limit: int, after: int = 0
    ) -> list[tuple[int, LogRecord]]:
        """(id, record) pairs, oldest first: the newest `limit` matches, or those after id `after`.
        A read answers from what the file holds even when our queued lines cannot be written (a
        full disk): those are dropped, as the writer thread drops them, and said once."""
        self._flush_logged()  # our own lines first, so a query right after an invocation sees it
        where, args = ["id > ?"], [after]
        if function is not None:
            where.append("function = ?")
            args.append(function)  # type: ignore[arg-type]
        if request_id is not None:
            where.append("request_id = ?")
            args.append(request_id)  # type: ignore[arg-type]
        order = "ASC" if after else "DESC"
        sql = f"SELECT id, {COLUMNS} FROM records WHERE {' AND '.join(where)} ORDER BY id {order} LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, (*args, limit)).fetchall()
        if not after:
            rows.reverse()
        return [(row[0], LogRecord(*row[1:])) for row in rows]

    def last_id(self) -> int:
        self._flush_logged()
        with self._lock:
            row = self._db.execute("SELECT MAX(id) FROM records").fetchone()
        return row[0] or 0

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        try:
            self.flush()
        except sqlite3.Error:
            pass
        with self._lock:
            self._db.close()
