"""Function logs: each invocation's lines tagged with its request id, between START and
END records, followed by a REPORT line, as Lambda writes them. Kept in a bounded ring per
process, queryable by function and request id, and followable live.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

from ..runtime import Outcome


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


class LogStore:
    """A bounded ring of records; subscribers get new records as they arrive."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._records: deque[LogRecord] = deque(maxlen=capacity)
        self._subscribers: set[asyncio.Queue[LogRecord]] = set()

    def record_invocation(
        self, function: str, version: str, request_id: str, event_type: str, outcome: Outcome
    ) -> None:
        now = time.time()
        add = self._add
        add(LogRecord(now, function, version, request_id, event_type, "START", f"RequestId: {request_id} Version: {version}"))
        for line in outcome.logs:
            add(LogRecord(now, function, version, request_id, event_type, line.level, line.message))
        if outcome.logs_truncated:
            add(LogRecord(now, function, version, request_id, event_type, "WARN", "log output truncated"))
        if not outcome.ok:
            detail = f" ({outcome.trap_code})" if outcome.trap_code else ""
            add(LogRecord(now, function, version, request_id, event_type, "ERROR",
                          f"{outcome.error.value}{detail}: {outcome.message}"))  # type: ignore[union-attr]
        add(LogRecord(now, function, version, request_id, event_type, "END", f"RequestId: {request_id}"))
        add(LogRecord(now, function, version, request_id, event_type, "REPORT",
                      f"RequestId: {request_id}\t{outcome.report()[len('REPORT '):]}"))

    def record(self, function: str, version: str, request_id: str, event_type: str, level: str, message: str) -> None:
        self._add(LogRecord(time.time(), function, version, request_id, event_type, level, message))

    def _add(self, record: LogRecord) -> None:
        self._records.append(record)
        for queue in self._subscribers:
            if queue.qsize() < 10_000:  # a slow follower loses lines rather than memory
                queue.put_nowait(record)

    def query(
        self, function: str | None = None, request_id: str | None = None, limit: int = 1000
    ) -> list[LogRecord]:
        matches = [
            r for r in self._records
            if (function is None or r.function == function) and (request_id is None or r.request_id == request_id)
        ]
        return matches[-limit:]

    def subscribe(self) -> asyncio.Queue[LogRecord]:
        queue: asyncio.Queue[LogRecord] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[LogRecord]) -> None:
        self._subscribers.discard(queue)
