"""HTTP-level hardening in the app, where the ASGI servers cannot be configured to do it.

`Guard` wraps the whole app (edge and admin listeners), one HTTP request at a time:

- **Framing that enables smuggling** (RFC 9112, sections 6.1 and 6.3): a request with both
  `Content-Length` and `Transfer-Encoding` is answered 400 and its connection closed, so
  nothing hidden in its body is ever read as a second request.
- **HTTP versions**: anything but 1.x, 2 and 3 is answered 505 and the connection closed
  (a higher 1.x minor version is served as 1.1, as RFC 9112, section 2.3 asks).
- **Slow or stalled bodies**: while a request body is incomplete, each wait for more of it is
  bounded: at most `body_timeout` seconds between chunks, and on average at least
  `body_min_rate` bytes per second once the body has taken longer than `body_timeout`.
  Past either: 408, connection closed; the request's slot is freed.
- **Bodies answered unread**: a response sent before the request's body was read (a 400
  for a bad name, a generated answer that ignores the body) leaves the body on the
  connection. Up to `UNREAD_BODY_LIMIT` bytes arriving within `UNREAD_BODY_SECONDS` are
  read and dropped before the response's last part goes out, so the connection stays
  reusable; a larger, chunked or `Expect: 100-continue` remainder gets `Connection: close`
  on the response (some servers would otherwise close the connection silently, and a
  keep-alive client's next request would fail).
- **Graceful stop** (edge/server/drain.py): requests arriving while the worker stops are
  answered 503 with `Connection: close`, requests in flight are tracked and may be cut.

Each refusal on the edge listener is counted in `edge_requests_total` and has an access-log
line, as the front door's own refusals (handler.py), with its name in `detailed_result_type`
(the names below), and is the edge's own error page (guard_page.py: CloudFront's HTML page with
`X-Cache: Error from edge`, `Via`, and the `X-Amz-Cf-Id` its line and its detail in `edge logs`
are under); the admin listener's are plain text. What only a server's parser
sees (chunk sizes, pipelining after HTTP/1.0, the number of open connections) is handled per
server in edge/server/serverhooks.py, and what a server refuses itself never reaches the app
(no line).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..ops.results import (
    CLIENT_HUNG_UP, INVALID_FRAMING, INVALID_HEADER, REQUEST_TIMEOUT, STOPPING, STOPPING_CUT, VERSION_NOT_SUPPORTED,
)
from ..pipeline.downstream import ViewerFailed
from ..pipeline.events import new_request_id
from ..pipeline.response import http_date
from . import guard_page as pages
from .drain import CUT_SENTENCE, Drain, InFlight, cut_detail
from .guard_page import edge_headers  # noqa: F401  (serverhooks.py's, from here)

log = logging.getLogger("edge.server")

VERSIONS = frozenset({"1", "1.0", "1.1", "2", "3"})  # Granian reports HTTP/1.0 as "1"
UNREAD_BODY_LIMIT = 64 * 1024  # bytes of an unread request body dropped to keep its connection
UNREAD_BODY_SECONDS = 1.0  # ...if they arrive this soon (a client sends its body right behind the head)


@dataclass(frozen=True)
class HttpLimits:
    body_timeout: float = 10.0  # seconds a request body may stall between chunks
    body_min_rate: int = 1024  # bytes/s on average once a body has taken longer than body_timeout; 0: off
    max_connections: int = 1024  # open connections per worker process (per server hooks)


class BodyTimeout(ViewerFailed):
    """The request body stalled or arrived too slowly; the client gets 408."""


class IncompleteBody(ViewerFailed):
    """The client went away (or its framing broke) before its body was complete."""


async def body_failed(request: object, exc: Exception) -> Response:
    """A Starlette exception handler (the edge app's): 408 or 400, and the connection closes."""
    status, text = (408, str(exc)) if isinstance(exc, BodyTimeout) else (400, "the request body is incomplete")
    return PlainTextResponse(f"{status}: {text}\n", status_code=status,
                             headers={"Connection": "close", "X-Cache": "Error from edge"})


def _simple(status: int, reason: str, message: str, extra: list[tuple[bytes, bytes]] | None = None, *,
            http1: bool = True) -> tuple[Message, Message]:
    """A plain-text answer; on HTTP/1 the connection closes after it (HTTP/2 has no such header)."""
    body = f"{status} {reason}: {message}\n".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"date", http_date().encode()),  # the servers are told to add none (the app sets Date)
               *([(b"connection", b"close")] if http1 else []), *(extra or [])]
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body})


@dataclass(frozen=True, slots=True)
class _Refused:
    """A request the guard refuses before the app sees it: the plain-text answer's words (the
    admin listener's), the error page's sentence (the edge listener's), its access-log name."""

    status: int
    reason: str
    text: str  # the plain answer's, and the page's detail (after the request's method and path)
    sentence: str
    result: str  # detailed_result_type
    http1: bool = True
    retry_after: int | None = None


class Guard:
    """ASGI middleware around the whole app; other attributes are the wrapped app's."""

    def __init__(self, app: ASGIApp, limits: HttpLimits, drain: Drain,
                 passes_while_stopping: Callable[[Scope], bool] = lambda scope: False,
                 endless: Callable[[Scope], bool] = lambda scope: False) -> None:
        self.app = app
        self.limits = limits
        self.drain = drain
        self.passes_while_stopping = passes_while_stopping
        self.endless = endless
        self.connections = 0  # open connections (kept by the server hooks that can count them)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.app, name)

    def wrap(self, app: ASGIApp) -> "Guard":
        """The same checks and drain around another app (a second listener of this worker)."""
        return Guard(app, self.limits, self.drain, self.passes_while_stopping, self.endless)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused, framed, declared = self._refusal(scope)
        if refused is not None:
            await self._refuse_first(scope, send, refused)
            return
        request = self.drain.enter(scope["method"], scope.get("path", ""), endless=self.endless(scope),
                                   client=scope.get("client"))
        http1 = scope.get("http_version", "1.1").startswith("1")
        # An HTTP/1 request without Transfer-Encoding or a Content-Length above 0 has no body to time out.
        body = _BodyReader(receive, self.limits, declared) if framed or not http1 else _NO_BODY
        reply = _Reply(send, request, http1=http1, drain=self.drain, body=body)
        try:
            await self.app(scope, receive if body is _NO_BODY else body, reply)
        except BodyTimeout as exc:
            log.info("%s %s: %s", scope["method"], scope.get("path", ""), exc)
            await self._refuse_reply(scope, reply, request, REQUEST_TIMEOUT, 408, "Request Timeout", str(exc),
                                     pages.BODY_TIMEOUT_SENTENCE)
        except IncompleteBody:
            await self._refuse_reply(scope, reply, request, CLIENT_HUNG_UP, 400, "Bad Request",
                                     "the request body is incomplete", pages.INCOMPLETE_BODY_SENTENCE)
        except asyncio.CancelledError:
            if not request.survives_cut():
                raise
            if request.endless and request.response_started:
                await reply.end()  # a stream with no end of its own (a log follow) ends at the stop, whole
            else:
                await self._cut_reply(scope, reply, request)
        finally:
            self.drain.leave(request)

    def recorder(self, scope: Scope) -> Callable[..., None] | None:
        """The edge handler's `record_refusal` when `scope` is on the edge listener, else None:
        the admin listener's refusals are neither counted nor logged (it has no access log), and
        carry no request id. Only on a refusal: the normal path never calls it."""
        front = self.app
        record = getattr(getattr(front, "handler", None), "record_refusal", None)
        if record is None:  # the admin API's own listener (Granian's sidecar), or another app
            return None
        server = scope.get("server")
        if getattr(front, "admin", None) is not None and server is not None and server[1] == front.admin_port:
            return None
        return record  # type: ignore[no-any-return]

    def record(self, scope: Scope, status: int, result: str, sent: int, started: float,
               request_id: str | None = None) -> None:
        """Count and log a refusal on the edge listener as the front door's own (the edge
        handler's `record_refusal`); the admin listener's are neither. Also for what the server
        hooks refuse in front of the app (serverhooks.py: a connection beyond --max-connections),
        with a scope of their own making."""
        record = self.recorder(scope)
        if record is not None:
            self._log(record, scope, status, result, sent, started, request_id)

    @staticmethod
    def _log(record: Callable[..., None], scope: Scope, status: int, result: str, sent: int, started: float,
             request_id: str | None, behavior: str = "") -> None:
        try:
            record(scope, status, result, sent, started, request_id=request_id, behavior=behavior)
        except Exception:  # the answer went out: never fail the request for its log line  # noqa: BLE001
            log.exception("logging a refused request failed")

    async def _refuse_first(self, scope: Scope, send: Send, refused: _Refused) -> None:
        """Answer a request refused before the app saw it: on the edge listener the edge's error
        page, counted and logged; on the admin listener plain text."""
        started = time.perf_counter()
        record = self.recorder(scope)
        if record is None:
            extra = [(b"retry-after", str(refused.retry_after).encode())] if refused.retry_after else None
            start, body = _simple(refused.status, refused.reason, refused.text, extra, http1=refused.http1)
            await send(start)
            await send(body)
            return
        request_id = new_request_id()  # the id its page, its log record and its access-log line share
        start, body = pages.refusal_page(self._state(), scope, refused.status, request_id, refused.sentence,
                                         f"{pages.what(scope)}: {refused.text}", http1=refused.http1,
                                         retry_after=refused.retry_after)
        await send(start)
        await send(body)
        self._log(record, scope, refused.status, refused.result, len(body["body"]), started, request_id)

    def _state(self):  # type: ignore[no-untyped-def]
        """The edge handler's EdgeState (None while it boots, or after it closed)."""
        return getattr(getattr(self.app, "handler", None), "state", None)

    async def _refuse_reply(self, scope: Scope, reply: "_Reply", request: InFlight, result: str, status: int,
                            reason: str, text: str, sentence: str, retry_after: int | None = None) -> None:
        """End a request refused once in flight: on the edge listener with the edge's error page,
        on the admin listener in plain text (if its response has not started: else it is left
        incomplete); and count and log it with the status and body bytes the viewer was sent
        (the refusal's, or those of a response cut short, whose own X-Amz-Cf-Id is then the one
        logged), timed from its arrival."""
        record = self.recorder(scope)
        if record is None:
            await reply.refuse(status, reason, text,
                               [(b"retry-after", str(retry_after).encode())] if retry_after else None)
            return
        request_id = reply.request_id() or new_request_id()
        if not reply.request.response_started:
            await reply.refuse_with(*pages.refusal_page(self._state(), scope, status, request_id, sentence,
                                                        f"{pages.what(scope)}: {text}", http1=reply.http1,
                                                        retry_after=retry_after))
        started = time.perf_counter() - (time.monotonic() - request.started)
        self._log(record, scope, reply.status, result, reply.sent, started, request_id)

    async def _cut_reply(self, scope: Scope, reply: "_Reply", request: InFlight) -> None:
        """A request cut by the stop (drain.py). On the edge listener, before its response
        started: the edge's own 503 error page, as other 503s the edge makes (guard_page.py),
        with its detail (the behavior it was for) in the request's log, which the page points
        to. Otherwise (the admin listener, a response under way, a worker not booted) as any
        refusal in flight."""
        record = self.recorder(scope)
        state = self._state()
        if record is None or state is None or request.response_started:
            await self._refuse_reply(scope, reply, request, STOPPING_CUT, 503, "Service Unavailable",
                                     "the server is stopping", CUT_SENTENCE, retry_after=1)
            return
        request_id = new_request_id()
        behavior = pages.behavior_of(state, scope)
        pattern = behavior.pattern if behavior is not None else None
        await reply.refuse_with(*pages.refusal_page(state, scope, 503, request_id, CUT_SENTENCE,
                                                    cut_detail(request, pattern), http1=reply.http1, retry_after=1))
        started = time.perf_counter() - (time.monotonic() - request.started)
        self._log(record, scope, reply.status, STOPPING_CUT, reply.sent, started, request_id, behavior=pattern or "")

    def _refusal(self, scope: Scope) -> tuple[_Refused | None, bool, int | None]:
        """Why this request is refused, if it is; whether an HTTP/1 request announced a body
        (Transfer-Encoding, or a Content-Length above 0); and its Content-Length, if it gave one
        (None as well while it waits for `100 Continue`)."""
        version = scope.get("http_version", "1.1")
        if version not in VERSIONS and not (version.startswith("1.") and version[2:].isdigit()):
            return _Refused(505, "HTTP Version Not Supported", f"HTTP/{version} is not supported; use HTTP/1.1 or "
                            "HTTP/2", pages.version_sentence(version), VERSION_NOT_SUPPORTED), False, None
        http1 = version.startswith("1")
        length: bytes | None = None
        chunked = expects = False
        if http1:
            hosts = 0
            host = b""
            for name, value in scope["headers"]:
                if name == b"content-length":
                    length = value
                elif name == b"transfer-encoding":
                    chunked = True
                elif name == b"expect":
                    expects = True
                elif name == b"host":
                    hosts += 1
                    host = value
            if length is not None and chunked:
                return _Refused(400, "Bad Request", "a request must not carry both Content-Length and "
                                "Transfer-Encoding", pages.BOTH_FRAMINGS_SENTENCE, INVALID_FRAMING), True, None
            # RFC 9112, section 3.2 (Hypercorn's parser refuses these itself; Granian passes them
            # on, and gives a missing Host as an empty one)
            if hosts > 1:
                return _Refused(400, "Bad Request", "a request must carry one Host header, not several",
                                pages.HOSTS_SENTENCE, INVALID_HEADER), False, None
            if not host and version == "1.1":
                return _Refused(400, "Bad Request", "an HTTP/1.1 request must carry a Host header",
                                pages.NO_HOST_SENTENCE, INVALID_HEADER), False, None
        elif sum(name == b"host" for name, _ in scope["headers"]) > 1:
            # HTTP/2 and 3 (RFC 9113, section 8.3.1): Granian passes several `host` fields on, as it
            # does over HTTP/1 (Hypercorn's h2 refuses them itself, PROTOCOL_ERROR). A `host` that
            # differs from `:authority` makes a request malformed, and refusing it is the choice
            # RFC 9113 prefers (using `:authority` would serve a request its client built wrong);
            # Hypercorn's h2 does. But Granian gives the app only the `host` field when there is
            # one (`:authority` is dropped; without a `host`, its value arrives as `host`), so the
            # edge cannot tell the two apart there: the one Host it sees names the site
            # (docs/operations.md, where the servers differ).
            return _Refused(400, "Bad Request", "a request must carry one Host header, not several",
                            pages.HOSTS_SENTENCE, INVALID_HEADER, http1=False), False, None
        size = int(length) if length is not None and length.isascii() and length.isdigit() else None
        framed = chunked or (length is not None and size != 0)  # `Content-Length: 0`: no body
        # a client waiting for `100 Continue` is not asked for a body only to drop it: None
        # (unknown) makes an unread body close the connection instead
        declared = None if expects else size
        if self.drain.stopping and not self.passes_while_stopping(scope):
            return _Refused(503, "Service Unavailable", "the server is stopping; retry", pages.STOPPING_SENTENCE,
                            STOPPING, http1, retry_after=1), framed, declared
        return None, framed, declared


class _BodyReader:
    """`receive` with the body's time bounded while it is incomplete (then unbounded: an app
    waiting for `http.disconnect` after the body must not be timed out)."""

    __slots__ = ("receive", "limits", "declared", "started", "received", "complete", "timed_out", "waiting")

    def __init__(self, receive: Receive, limits: HttpLimits, declared: int | None = None) -> None:
        self.receive = receive
        self.limits = limits
        self.declared = declared  # Content-Length; None: chunked (or HTTP/2)
        self.started = time.monotonic()
        self.received = 0
        self.complete = False
        self.timed_out = False
        self.waiting = False  # someone awaits the next message (then they drain it, not us)

    def too_much_left(self) -> bool:
        """Whether what is left unread is more than the guard drops to keep the connection."""
        if self.complete:
            return False
        return self.declared is None or self.declared - self.received > UNREAD_BODY_LIMIT

    async def discard_rest(self) -> None:
        """Read and drop what the app left of the body (bounded by `too_much_left`,
        `UNREAD_BODY_SECONDS` and the body timeouts), so the server sees the request complete
        and keeps the connection."""
        for _ in range(6):  # a reader cancelled just before (a disconnect watcher) needs ~3 turns to unwind
            if not self.waiting:
                break
            await asyncio.sleep(0)
        else:  # the app still reads: it drains the body
            return
        try:
            async with asyncio.timeout(UNREAD_BODY_SECONDS):
                while not self.complete and not self.timed_out:
                    await self()
        except Exception:  # slow, stalled or gone: the server closes the connection  # noqa: BLE001
            pass

    async def __call__(self) -> Message:
        if self.complete or self.timed_out:
            return await self.receive()
        limits = self.limits
        timeout = limits.body_timeout
        if limits.body_min_rate:
            # by now this much time may have passed for the bytes received so far
            due = self.started + limits.body_timeout + self.received / limits.body_min_rate
            timeout = min(timeout, max(0.0, due - time.monotonic()))
        self.waiting = True
        try:
            message = await asyncio.wait_for(self.receive(), timeout)
        except asyncio.TimeoutError:
            self.timed_out = True
            raise BodyTimeout(
                f"request body too slow: {self.received} bytes in {time.monotonic() - self.started:.1f} s "
                f"(at most {limits.body_timeout:g} s between chunks"
                + (f", at least {limits.body_min_rate} bytes/s)" if limits.body_min_rate else ")")
            ) from None
        finally:
            self.waiting = False
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if not message.get("more_body", False):
                self.complete = True
        else:
            self.complete = True
        return message


class _NoBody:
    """What `_Reply` sees of a request that has no body: it never timed out."""

    __slots__ = ()
    timed_out = False
    complete = True

    def too_much_left(self) -> bool:
        return False

    async def discard_rest(self) -> None:
        pass


_NO_BODY = _NoBody()


class _Reply:
    """`send`, remembering whether the response started, with `Connection: close` added on
    HTTP/1 while the worker stops, after the body failed, or when more of the body is left
    unread than the guard will drop (the connection cannot be reused). Its status and the body
    bytes sent are kept for the access-log line of a request the guard ends (a cut, a 408)."""

    __slots__ = ("send", "request", "http1", "drain", "body", "closing", "ended", "status", "sent", "headers")

    def __init__(self, send: Send, request: InFlight, *, http1: bool, drain: Drain, body: _BodyReader | _NoBody) -> None:
        self.send = send
        self.request = request
        self.http1 = http1
        self.drain = drain
        self.body = body
        self.closing = False  # the response said `Connection: close`
        self.ended = False  # the response's last body message was sent
        self.status = 0  # the response's, once started
        self.sent = 0  # body bytes sent
        self.headers: list[tuple[bytes, bytes]] | None = None  # the response's, once started (a reference)

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.request.response_started = True
            self.status = message["status"]
            self.headers = message.get("headers")
            body = self.body
            if self.http1 and (self.drain.stopping or body.timed_out or (body is not _NO_BODY and body.too_much_left())):
                self.closing = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            elif not body.complete and self.http1:  # the app may close it itself (a refused upload)
                self.closing = any(k.lower() == b"connection" and b"close" in v.lower()
                                   for k, v in message.get("headers", ()))
        elif not self.body.complete and self.http1 and not self.closing and not message.get("more_body", False):
            # the response ends with the request's HTTP/1 body unread: drop it first (some
            # servers close a connection whose request is incomplete when its response ends;
            # an HTTP/2 stream's end needs nothing of the kind)
            await self.body.discard_rest()
        if message["type"] == "http.response.body":
            self.sent += len(message.get("body", b""))
            if not message.get("more_body", False):
                self.ended = True
        await self.send(message)

    def request_id(self) -> str | None:
        """The X-Amz-Cf-Id of the response already started, if it had one (read only when the
        request is refused in flight: a cut response's line is logged under the id it carried)."""
        for name, value in self.headers or ():
            if name.lower() == b"x-amz-cf-id":
                return value.decode("latin-1")
        return None

    async def end(self) -> None:
        """End a started response whole (its last, empty, body message): a chunked HTTP/1
        response gets its final chunk, an HTTP/2 stream its end, so the client reads a complete
        response (curl exits 0, not 18 for an incomplete chunked body)."""
        if self.ended:
            return
        self.ended = True
        try:
            await self.send({"type": "http.response.body", "body": b"", "more_body": False})
        except Exception:  # the client is gone already  # noqa: BLE001
            pass

    async def refuse(self, status: int, reason: str, text: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
        """Answer with `status` if nothing was sent yet; otherwise the response is left
        incomplete, so the server closes the connection instead of passing it off as whole."""
        await self.refuse_with(*_simple(status, reason, text, extra, http1=self.http1))

    async def refuse_with(self, start: Message, body: Message) -> None:
        """`refuse`, with the answer's two messages given (an error page)."""
        if self.request.response_started:
            return
        self.status = start["status"]
        try:
            await self.send(start)
            await self.send(body)
            self.sent = len(body["body"])
        except Exception:  # the client is gone already  # noqa: BLE001
            pass
