"""Function logs: each invocation's lines tagged with its request id, between START and
END records, followed by a REPORT line, as Lambda writes them. Kept in a bounded ring per
process, queryable by function and request id, and followable live.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..runtime import Outcome
from ..runtime.outcome import ErrorKind, LogLine, format_report

if TYPE_CHECKING:
    from .sharedlogs import SharedLogs

FOLLOW_POLL = 0.2  # seconds between reads of the shared log file when following


@dataclass(slots=True, frozen=True)
class LogRecord:
    time: float
    function: str
    version: str
    request_id: str
    event_type: str
    level: str  # START, END, REPORT, or the line's level
    message: str

    def to_dict(self) -> dict[str, object]:
        return {
            "time": self.time,
            "function": self.function,
            "version": self.version,
            "request_id": self.request_id,
            "event_type": self.event_type,
            "level": self.level,
            "message": self.message,
        }

    def format(self) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.time)) + f".{int(self.time % 1 * 1000):03d}Z"
        return f"{stamp}\t{self.request_id}\t{self.level}\t{self.message}"


RECORD_OVERHEAD = 96  # bytes a record costs beyond its message (for the ring's byte bound)


def unrepeated(outcome: Outcome) -> str:
    """The failure's message, without repeating the function's own last ERROR line when that
    line is what the message says (a reactor's failure message is that line, docs/abi.md)."""
    message = outcome.message
    for line in reversed(outcome.logs):
        if line.level == "ERROR":
            if line.message and message.startswith(line.message):
                rest = message[len(line.message):].strip()
                return f"as logged above{' ' + rest if rest else ''}"
            break
    return message


class Invocation:
    """One invocation's START, lines, END and REPORT, kept compact until someone reads them:
    rendering four records per request cost the request path ~13 µs."""

    __slots__ = ("time", "function", "version", "request_id", "event_type", "lines", "truncated",
                 "error", "failure", "duration_ms", "fuel_used", "peak_memory", "count", "size")

    def __init__(self, now: float, function: str, version: str, request_id: str, event_type: str, outcome: Outcome) -> None:
        self.time = now
        self.function = function
        self.version = version
        self.request_id = request_id
        self.event_type = event_type
        self.lines: list[LogLine] = outcome.logs
        self.truncated = outcome.logs_truncated
        self.error: ErrorKind | None = outcome.error
        self.failure: str | None = None
        if outcome.error is not None:
            detail = f" ({outcome.trap_code})" if outcome.trap_code else ""
            self.failure = f"{outcome.error.value}{detail}: {unrepeated(outcome)}"
        self.duration_ms = outcome.duration_ms
        self.fuel_used = outcome.fuel_used
        self.peak_memory = outcome.peak_memory
        lines = self.lines
        self.count = 3 + len(lines) + self.truncated + (self.failure is not None)
        self.size = self.count * RECORD_OVERHEAD + 3 * len(request_id) + 120 + sum(len(line.message) for line in lines)
        if self.failure is not None:
            self.size += len(self.failure)

    def records(self) -> list[LogRecord]:
        now, function, version, rid, event = self.time, self.function, self.version, self.request_id, self.event_type
        began = now - (self.duration_ms or 0.0) / 1000  # each line at the time it was written, as CloudWatch's
        if self.lines and self.lines[0].time:
            began = min(began, self.lines[0].time)
        out = [LogRecord(began, function, version, rid, event, "START", f"RequestId: {rid} Version: {version}")]
        out.extend(LogRecord(line.time or now, function, version, rid, event, line.level, line.message)
                   for line in self.lines)
        if self.truncated:
            out.append(LogRecord(now, function, version, rid, event, "WARN", "log output truncated"))
        if self.failure is not None:
            out.append(LogRecord(now, function, version, rid, event, "ERROR", self.failure))
        out.append(LogRecord(now, function, version, rid, event, "END", f"RequestId: {rid}"))
        report = format_report(self.duration_ms, self.fuel_used, self.peak_memory, self.error)
        out.append(LogRecord(now, function, version, rid, event, "REPORT", f"RequestId: {rid}\t{report[len('REPORT '):]}"))
        return out


class LogStore:
    """A bounded ring of records; subscribers get new records as they arrive.

    With several worker processes, `shared` (sharedlogs.SharedLogs) also gets every record,
    and queries and follows read it instead, so they see the lines of every worker.
    """

    def __init__(
        self, capacity: int = 50_000, shared: "SharedLogs | None" = None, max_bytes: int = 64 * 1024 * 1024
    ) -> None:
        self._records: deque[LogRecord | Invocation] = deque()
        self._count = 0  # records held (an invocation entry stands for several)
        self.capacity = capacity
        self.max_bytes = max_bytes  # a function logging 64 KiB per call must not fill the memory
        self._bytes = 0
        self._subscribers: set[asyncio.Queue[LogRecord]] = set()
        self.shared = shared

    def record_invocation(
        self, function: str, version: str, request_id: str, event_type: str, outcome: Outcome
    ) -> None:
        entry = Invocation(time.time(), function, version, request_id, event_type, outcome)
        if self._subscribers:  # live followers: rendered now
            for record in entry.records():
                self._add(record)
            return
        if self.shared is not None:  # other workers: its writer thread renders it, off the request path
            self.shared.add(entry)
        self._keep(entry, entry.count, entry.size)

    def record(self, function: str, version: str, request_id: str, event_type: str, level: str, message: str) -> None:
        self._add(LogRecord(time.time(), function, version, request_id, event_type, level, message))

    def _add(self, record: LogRecord) -> None:
        self._keep(record, 1, len(record.message) + RECORD_OVERHEAD)
        if self.shared is not None:
            self.shared.add(record)
        for queue in self._subscribers:
            if queue.qsize() < 10_000:  # a slow follower loses lines rather than memory
                queue.put_nowait(record)

    def _keep(self, entry: "LogRecord | Invocation", count: int, size: int) -> None:
        records = self._records
        records.append(entry)
        self._count += count
        self._bytes += size
        while self._count > self.capacity or self._bytes > self.max_bytes:
            old = records.popleft()
            if isinstance(old, Invocation):
                self._count -= old.count
                self._bytes -= old.size
            else:
                self._count -= 1
                self._bytes -= len(old.message) + RECORD_OVERHEAD

    def query(
        self, function: str | None = None, request_id: str | None = None, limit: int = 1000
    ) -> list[LogRecord]:
        if self.shared is not None:
            return [record for _, record in self.shared.query(function, request_id, limit)]
        matches: list[LogRecord] = []
        for entry in self._records:
            if (function is None or entry.function == function) and (request_id is None or entry.request_id == request_id):
                if isinstance(entry, Invocation):
                    matches.extend(entry.records())
                else:
                    matches.append(entry)
        return matches[-limit:]

    def subscribe(self) -> asyncio.Queue[LogRecord]:
        queue: asyncio.Queue[LogRecord] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[LogRecord]) -> None:
        self._subscribers.discard(queue)

    async def follow(
        self, function: str | None, request_id: str | None, backlog: int, keepalive: float = 15.0
    ) -> AsyncIterator[LogRecord | None]:
        """The newest `backlog` matching records, then new ones as they come; None every
        `keepalive` seconds without one (so a streaming response can notice a gone client)."""
        if self.shared is not None:
            async for item in self._follow_shared(function, request_id, backlog, keepalive):
                yield item
            return

        def wanted(record: LogRecord) -> bool:
            return (function is None or record.function == function) and (
                request_id is None or record.request_id == request_id
            )

        queue = self.subscribe()  # before reading the backlog: no line falls in between
        try:
            for record in self.query(function, request_id, backlog):
                yield record
            while True:
                try:
                    record = await asyncio.wait_for(queue.get(), keepalive)
                except asyncio.TimeoutError:
                    yield None
                    continue
                if wanted(record):
                    yield record
        finally:
            self.unsubscribe(queue)

    async def _follow_shared(
        self, function: str | None, request_id: str | None, backlog: int, keepalive: float
    ) -> AsyncIterator[LogRecord | None]:
        shared = self.shared
        assert shared is not None
        last = await asyncio.to_thread(shared.last_id)  # before the backlog: no line falls in between
        rows = await asyncio.to_thread(shared.query, function, request_id, backlog)
        rows = [(i, r) for i, r in rows if i <= last]
        for _, record in rows:
            yield record
        quiet = 0.0
        while True:
            await asyncio.sleep(FOLLOW_POLL)
            rows = await asyncio.to_thread(shared.query, function, request_id, 10_000, last)
            for last, record in rows:
                yield record
            quiet = 0.0 if rows else quiet + FOLLOW_POLL
            if quiet >= keepalive:
                quiet = 0.0
                yield None
