"""Function logs shared by every worker process: one SQLite file (`<state>/logs.db`).

With `--workers N` an admin request reaches one worker, but the invocations it asks about
ran on any of them. Each worker queues its records in memory (the request path only
appends to a deque) and a background thread inserts them in batches every 100 ms, so a
query or `--follow` sees every worker's lines within about that delay. Logs are not
precious: the file uses synchronous=OFF and keeps only the newest `keep` records.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from pathlib import Path

from .logs import LogRecord

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


class SharedLogs:
    def __init__(self, path: str | Path, *, keep: int = 200_000, interval: float = 0.1) -> None:
        self.path = Path(path)
        self.keep = keep
        self.interval = interval
        self._pending: deque[LogRecord] = deque(maxlen=100_000)  # a stuck disk loses lines, not memory
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.executescript(SCHEMA)
        self._stop = threading.Event()
        self._last_trim = 0.0
        self._thread = threading.Thread(target=self._run, name="edge-log-writer", daemon=True)
        self._thread.start()

    def add(self, record: LogRecord) -> None:
        self._pending.append(record)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except sqlite3.Error as exc:
                log.warning("cannot write function logs to %s: %s", self.path, exc)

    def flush(self) -> None:
        batch = []
        pending = self._pending
        while pending:
            try:
                batch.append(pending.popleft())
            except IndexError:
                break
        if not batch:
            return
        rows = [(r.time, r.function, r.version, r.request_id, r.event_type, r.level, r.message) for r in batch]
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
                self._db.execute("ROLLBACK")
                raise

    def query(
        self, function: str | None, request_id: str | None, limit: int, after: int = 0
    ) -> list[tuple[int, LogRecord]]:
        """(id, record) pairs, oldest first: the newest `limit` matches, or those after id `after`."""
        self.flush()  # our own lines first, so a query right after an invocation sees it
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
        self.flush()
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
