"""The function log ring: invocations are kept compact and rendered as Lambda's records when read."""

from __future__ import annotations

import asyncio

from edge.control.logs import LogStore
from edge.runtime.outcome import ErrorKind, LogLine, Outcome


def test_an_invocation_reads_back_as_start_lines_end_report():
    store = LogStore()
    ok = Outcome(logs=[LogLine("INFO", "hello"), LogLine("WARN", "careful")], duration_ms=1.25, fuel_used=42,
                 peak_memory=131072)
    failed = Outcome(error=ErrorKind.TRAP, message="boom", trap_code="unreachable", logs_truncated=True)
    store.record_invocation("f", "3", "rid-1", "viewer-request", ok)
    store.record("f", "3", "rid-1", "viewer-request", "ERROR", "Validation error: x")
    store.record_invocation("f", "3", "rid-2", "origin-request", failed)
    assert [(r.level, r.message) for r in store.query("f", "rid-1")] == [
        ("START", "RequestId: rid-1 Version: 3"),
        ("INFO", "hello"),
        ("WARN", "careful"),
        ("END", "RequestId: rid-1"),
        ("REPORT", "RequestId: rid-1\tDuration: 1.250 ms\tFuel: 42\tMax Memory Used: 128 KB\tStatus: ok"),
        ("ERROR", "Validation error: x"),
    ]
    assert [(r.level, r.message, r.event_type) for r in store.query(None, "rid-2")] == [
        ("START", "RequestId: rid-2 Version: 3", "origin-request"),
        ("WARN", "log output truncated", "origin-request"),
        ("ERROR", "trap (unreachable): boom", "origin-request"),
        ("END", "RequestId: rid-2", "origin-request"),
        ("REPORT", "RequestId: rid-2\tDuration: 0.000 ms\tFuel: 0\tMax Memory Used: 0 KB\tStatus: error=trap",
         "origin-request"),
    ]
    assert store.query("other") == []
    assert [r.level for r in store.query("f", limit=2)] == ["END", "REPORT"]


def test_a_failure_the_function_logged_itself_is_not_repeated():
    """A reactor's failure message is its last ERROR line (docs/abi.md): the host's line says
    the kind and the code, and refers to that line instead of repeating it."""
    store = LogStore()
    said = 'Invoke Error \t{"errorType":"Error","errorMessage":"boom"}'
    failed = Outcome(error=ErrorKind.HANDLER_ERROR, message=f"{said} (error code -1)",
                     logs=[LogLine("INFO", "before"), LogLine("ERROR", said)])
    other = Outcome(error=ErrorKind.HANDLER_ERROR, message="handler returned error code -7",
                    logs=[LogLine("ERROR", "an earlier problem"), LogLine("INFO", "after")])
    store.record_invocation("f", "1", "rid-1", "viewer-request", failed)
    store.record_invocation("f", "1", "rid-2", "viewer-request", other)
    errors = [r.message for r in store.query("f", "rid-1") if r.level == "ERROR"]
    assert errors == [said, "handler_error: as logged above (error code -1)"]
    errors = [r.message for r in store.query("f", "rid-2") if r.level == "ERROR"]
    assert errors == ["an earlier problem", "handler_error: handler returned error code -7"]


def test_the_ring_counts_the_records_an_invocation_stands_for():
    store = LogStore(capacity=100)
    for i in range(1000):
        store.record_invocation("f", "1", f"r{i}", "viewer-request", Outcome(logs=[LogLine("INFO", "x")]))
    records = store.query(None, None, limit=10**6)
    assert 96 <= len(records) <= 100  # four records per invocation, oldest dropped whole
    assert records[-1].request_id == "r999" and records[0].level == "START"


async def test_a_follower_sees_new_invocations_as_records():
    store = LogStore()
    stream = store.follow("f", None, backlog=10, keepalive=5)
    store.record_invocation("f", "1", "before", "viewer-request", Outcome())
    first = await asyncio.wait_for(stream.__anext__(), 2)
    assert (first.level, first.request_id) == ("START", "before")  # the backlog, rendered
    rest = [await asyncio.wait_for(stream.__anext__(), 2) for _ in range(2)]
    assert [r.level for r in rest] == ["END", "REPORT"]
    store.record_invocation("f", "1", "live", "viewer-request", Outcome(logs=[LogLine("INFO", "now")]))
    live = [await asyncio.wait_for(stream.__anext__(), 2) for _ in range(4)]
    assert [(r.level, r.request_id) for r in live] == [("START", "live"), ("INFO", "live"), ("END", "live"), ("REPORT", "live")]
    await stream.aclose()
