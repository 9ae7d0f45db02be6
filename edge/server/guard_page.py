"""The edge's own error page for what the guard (guard.py) refuses on the edge listener: a 505,
a request with both framings or without one Host, a stalled body (408), 503 while the worker
stops, a request cut by the stop. Every other error the edge makes is CloudFront's HTML page
with `X-Cache: Error from edge`, `Via` and `X-Amz-Cf-Id` (pipeline/response.py, handler.py),
so a viewer, or a client library that reads the page, sees one kind of error whoever refused.
The page says what to do; its detail (what the operator reads) is in `edge logs` under the
page's request id, and on the page itself with --debug-errors (or the behavior's)."""

from __future__ import annotations

from typing import Any

from starlette.types import Message, Scope

from ..cache import xcache
from ..pipeline.response import EDGE_LOG, error_page, http_date
from ..pipeline.uri import BadTarget, normalize_path
from ..pipeline.via import VIA_WIRE

ERROR_WIRE = (b"x-cache", xcache.ERROR.encode("latin-1"))

# What the viewer reads (the page's sentence): the problem and what to do about it
STOPPING_SENTENCE = "The server is stopping and did not take this request. Try again."
BOTH_FRAMINGS_SENTENCE = ("The request carried both Content-Length and Transfer-Encoding, which a request must not. "
                          "Send one of the two.")
HOSTS_SENTENCE = "The request carried more than one Host header. Send one."
NO_HOST_SENTENCE = "The HTTP/1.1 request carried no Host header. Send one."
BODY_TIMEOUT_SENTENCE = "The request body arrived too slowly. Send the request again."
INCOMPLETE_BODY_SENTENCE = "The request body ended before it was complete. Send the request again."


def version_sentence(version: str) -> str:
    return f"HTTP/{version[:20]} is not supported. Use HTTP/1.1 or HTTP/2."


def edge_headers(request_id: str) -> list[tuple[bytes, bytes]]:
    """What the edge's own error responses carry, as CloudFront's do: `X-Cache: Error from edge`,
    `Via` and `X-Amz-Cf-Id` (the access log's request_id). Made only for a refusal."""
    return [ERROR_WIRE, VIA_WIRE, (b"x-amz-cf-id", request_id.encode("latin-1"))]


def page_messages(status: int, request_id: str, sentence: str, detail: str, *, debug: bool, http1: bool,
                  retry_after: int | None = None) -> tuple[Message, Message]:
    """The ASGI messages of the edge's error page, without the edge's headers (the caller's):
    framed by Content-Length, with `Connection: close` on HTTP/1 (a refused request's
    connection is never reused: its body may be on it, unread), none on HTTP/2."""
    page = error_page(status, request_id, sentence, detail, xcache.ERROR, retry_after=retry_after, debug=debug)
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in page.headers]
    headers += [(b"date", http_date().encode()),  # the servers are told to add none (the app sets Date)
                *([(b"connection", b"close")] if http1 else [])]
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": page.body or b""})


def refusal_page(state: Any, scope: Scope, status: int, request_id: str, sentence: str, detail: str, *,
                 http1: bool, retry_after: int | None = None) -> tuple[Message, Message]:
    """The page answering a refusal on the edge listener, with the edge's headers; its detail
    is recorded under `request_id` (where the page tells the operator to look). `state`: the
    worker's EdgeState, None while it boots or after it closed (then nothing is recorded)."""
    debug = False
    if state is not None:
        behavior = behavior_of(state, scope)
        debug = bool(state.options.debug_errors or (behavior is not None and behavior.debug_errors))
        try:
            state.logs.record(EDGE_LOG, "", request_id, "", "ERROR", f"{status}: {detail}")
        except Exception:  # noqa: BLE001  (the answer matters more than its log record)
            pass
    start, body = page_messages(status, request_id, sentence, detail, debug=debug, http1=http1,
                                retry_after=retry_after)
    start["headers"] += edge_headers(request_id)
    return start, body


def behavior_of(state: Any, scope: Scope) -> Any:
    """The behavior serving `scope`'s path now (as the pipeline matched it, unless the behaviors
    changed since), or None when its target is one the front door refuses."""
    raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
    try:
        return state.pipeline.match(normalize_path(raw_path.split(b"?", 1)[0]))
    except BadTarget:
        return None


def what(scope: Scope) -> str:
    """`METHOD /path` as a refusal's detail names the request (at most 200 characters of path)."""
    path = scope.get("path", "")
    return f"{scope.get('method', '')} {path[:200]}{'…' if len(path) > 200 else ''}"
