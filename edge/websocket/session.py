"""One viewer's WebSocket: checked, handshaken with the origin, then relayed both ways."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import time
from typing import TYPE_CHECKING, Any

from ..pipeline import events
from ..pipeline.events import new_request_id
from ..pipeline.forward import forwards_viewer_host, viewer_host
from ..ops.results import (
    GET_WITH_BODY, HEAD_TOO_LARGE, INVALID_HEADER, INVALID_REQUEST, LOOP_DETECTED, STOPPING,
    WEBSOCKET_NOT_SUPPORTED, ORIGIN_WEBSOCKET_REFUSED,
)
from ..pipeline.headers import from_cf_headers
from ..pipeline.response import EDGE_LOG, EdgeResponse, hook_failure_page
from ..pipeline.served import generated
from ..wire import encode
from ..pipeline.trace import Trace
from ..pipeline.uri import MAX_URI, BadTarget, normalize_path
from ..pipeline.via import VIA
from ..upstream.faults import CONNECT
from .relay import ABNORMAL_FROM_ORIGIN, CLOSE_TIMEOUT, GOING_AWAY, Flow, both_ways, close_both
from .upstream import MAX_MESSAGE, OriginSocket, origin_socket

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from ..server.state import EdgeState

log = logging.getLogger("edge.websocket")
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

# what the front door refuses of any handshake (the handler's `refusal`), by its status
FRONT_DOOR = {494: HEAD_TOO_LARGE, 400: INVALID_HEADER, 508: LOOP_DETECTED, 503: STOPPING}


class Refused(Exception):
    """The handshake is answered with an HTTP status instead of `101`: a plain one saying why,
    or `response`, what a function answered (or its failure's error page). `result`: the
    access log's detailed_result_type of the edge's own refusal ("" for an unforeseen failure)."""

    def __init__(self, status: int, message: str, response: EdgeResponse | None = None, result: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.response = response
        self.result = result


async def serve_websocket(state: EdgeState, scope: Scope, receive: Receive, send: Send,
                          headers: list[tuple[str, str]], client_ip: str, *, country: str | None = None,
                          refusal: tuple[int, str] | tuple[int, str, str] | None = None) -> None:
    """The whole life of one viewer WebSocket (`headers`: the viewer's, as functions would see
    them; `client_ip`: behind trusted proxies; `country`: the trusted load balancer's country
    header; `refusal`: the front door's answer instead (a loop, a stopping worker, ...), with
    its access-log result when its status alone does not say it (a capacity refusal's 503))."""
    if (await receive())["type"] != "websocket.connect":
        return
    trace = Trace(new_request_id(), time.perf_counter())
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    querystring = scope.get("query_string", b"").decode("latin-1")
    uri = raw_path.split(b"?", 1)[0].decode("latin-1")  # the access log's: the viewer's path
    flow = Flow()
    status, x_cache = 101, "Miss from edge"
    try:
        try:
            if refusal is not None:
                result = refusal[2] if len(refusal) > 2 else FRONT_DOOR.get(refusal[0], "")
                raise Refused(refusal[0], refusal[1], result=result)
            try:
                target = await _target(state, scope, raw_path, querystring, headers, client_ip, country, trace)
            except Refused:
                raise
            except Exception as exc:  # noqa: BLE001 - never leave the handshake hanging or pass for a 101
                log.exception("WebSocket %s: preparing the origin's handshake failed (request id %s)", uri,
                              trace.request_id)
                raise Refused(502, f"the origin's WebSocket could not be prepared: {exc}") from None
            await _relay(scope, receive, send, target, trace, flow)
        except asyncio.CancelledError:
            if not flow.accepted:  # stopped while the handshake was under way: 503, not the server's default
                status, x_cache = 503, "Error from edge"
                trace.error = FRONT_DOOR[503]
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(_refuse(scope, send, 503, "the server is stopping; reconnect", None),
                                           CLOSE_TIMEOUT)
            raise
    except Refused as exc:
        status = exc.status
        # the access log's result: a function's answer (or its failure's page) as on HTTP, else the edge's refusal
        x_cache = exc.response.x_cache if exc.response is not None and exc.response.x_cache else "Error from edge"
        if exc.result:
            trace.error = exc.result
        if exc.response is None or exc.status >= 500:  # a function's own answer is not the edge's to log
            (log.info if exc.status == 503 else log.warning)(
                "WebSocket %s refused with %d: %s (request id %s)", uri, exc.status, exc, trace.request_id)
            state.logs.record(EDGE_LOG, "", trace.request_id, "", "ERROR", f"WebSocket {uri}: {exc.status}: {exc}")
        if exc.response is not None:
            state.pipeline.finish(exc.response, trace)
        await _refuse(scope, send, exc.status, str(exc), exc.response)
    finally:
        trace.total_ms = (time.perf_counter() - trace.started) * 1000
        if state.access_log is not None:
            state.access_log.write(trace, client_ip=client_ip, method="GET", host=_host(headers), uri=uri,
                                   querystring=querystring, status=status, sent_bytes=flow.sent,
                                   x_cache=x_cache, scope=scope)


async def _target(state: EdgeState, scope: Scope, raw_path: bytes, querystring: str, headers: list[tuple[str, str]],
                  client_ip: str, country: str | None, trace: Trace) -> OriginSocket:
    """The origin's WebSocket for this handshake (after its viewer-request function, if the
    behavior has one), or Refused saying why there is none."""
    path = raw_path.split(b"?", 1)[0]
    for name, value in scope["headers"]:  # a handshake is a GET without a body (RFC 6455)
        if (name == b"content-length" and value.strip() not in (b"0", b"")) or name == b"transfer-encoding":
            raise Refused(400, "a WebSocket handshake has no body: send it without Content-Length or Transfer-Encoding",
                          result=GET_WITH_BODY)
    if len(path) + 1 + len(querystring) > MAX_URI:
        raise Refused(414, f"the URL is longer than {MAX_URI} bytes", result=INVALID_REQUEST)
    try:
        uri = normalize_path(path)
    except BadTarget as exc:
        raise Refused(exc.status, str(exc), result=INVALID_REQUEST) from None
    routing = state.pipeline.routing
    behavior = routing.match(uri)
    trace.behavior = behavior.pattern
    others = sorted(set(behavior.associations) - {"viewer-request"})
    if others:
        raise Refused(403, f"the behavior {behavior.pattern!r} runs functions ({', '.join(others)}) that do not run on "
                           "WebSocket connections here (a viewer-request function runs on the handshake): route the "
                           "WebSocket's path to a behavior without them", result=WEBSOCKET_NOT_SUPPORTED)
    spec = routing.manifest.origins.get(behavior.origin)
    if spec is None or spec.kind != "http":
        kind = spec.kind if spec is not None else "unknown"
        raise Refused(403, f"the behavior {behavior.pattern!r} has a {kind} origin ({behavior.origin}); "
                           "WebSockets go to custom (HTTP) origins only", result=WEBSOCKET_NOT_SUPPORTED)
    viewer_request = behavior.associations.get("viewer-request")
    if viewer_request is not None:
        uri, querystring, headers = await _viewer_request(state, viewer_request, uri, querystring, headers, client_ip,
                                                          trace)
    if behavior.cloudfront_headers:  # the edge's CloudFront-* headers, after viewer-request as for HTTP
        generated_headers = await state.pipeline.viewer_headers.generate(
            behavior.cloudfront_headers, client_ip=client_ip, client_port=_port(scope), scheme=_scheme(scope),
            country=country, user_agent=next((v for k, v in headers if k.lower() == "user-agent"), ""),
            http_version=scope.get("http_version", "1.1"), raw_headers=scope["headers"])
        names = {name.lower() for name, _ in generated_headers}
        headers = [(k, v) for k, v in headers if k.lower() not in names] + generated_headers
    if forwards_viewer_host(behavior) and viewer_host(headers) is None:  # as the HTTP path: never into a URL
        sent = [v[:100] for k, v in headers if k.lower() == "host"]
        raise Refused(400, f"Host {sent!r} is not one valid host[:port], and {behavior.pattern} forwards it",
                      result=INVALID_HEADER)
    subprotocols = [str(p) for p in scope.get("subprotocols") or ()]
    for offered in subprotocols:  # a token each (RFC 6455): anything else would fail at the origin's side, a 502
        if not TOKEN.fullmatch(offered):
            raise Refused(400, f"Sec-WebSocket-Protocol offers {offered[:100]!r}, which is not a token "
                               "(letters, digits and !#$%&'*+-.^_`|~)", result=INVALID_HEADER)
    try:
        return origin_socket(spec, behavior, uri, querystring, headers, subprotocols, client_ip, VIA)
    except ValueError as exc:  # the origin's TLS settings (an unreadable ca_file)
        raise Refused(502, f"origin {spec.name}: {exc}", result=CONNECT) from None


async def _viewer_request(state: EdgeState, association: Any, uri: str, querystring: str,
                          headers: list[tuple[str, str]], client_ip: str, trace: Trace
                          ) -> tuple[str, str, list[tuple[str, str]]]:
    """Run the behavior's viewer-request function on the handshake, as on a `GET`: the request
    it returns is what the origin's handshake is made from; a response it generates (a 401, a
    redirect to a login page) answers the handshake instead; its failure answers as on HTTP."""
    event = events.viewer_request(client_ip=client_ip, method="GET", uri=uri, querystring=querystring,
                                  headers=headers, body=None, include_body=association.include_body)
    pin = state.registry.pin()  # the versions this handshake started with
    try:
        result = await state.pipeline.hooks.run(association, trace.request_id, event)
    finally:
        state.registry.unpin(pin)
    if result.run:
        trace.hooks.append(result.run)
    if result.failure is not None:
        page = hook_failure_page(result.failure, trace.request_id)
        raise Refused(page.status, f"the viewer-request function failed: {result.failure.message}", page)
    if result.response is not None:
        answer = generated(result.response)
        raise Refused(answer.status, f"the viewer-request function answered {answer.status}", answer)
    request = result.request
    assert request is not None
    return request["uri"], request["querystring"], from_cf_headers(request["headers"])


async def _relay(scope: Scope, receive: Receive, send: Send, target: OriginSocket, trace: Trace, flow: Flow) -> None:
    """Open the origin's WebSocket, accept the viewer's, relay until it ends (relay.py)."""
    from websockets.exceptions import InvalidStatus, WebSocketException

    began = time.perf_counter()
    extra: dict[str, Any] = {"host": target.host, "port": target.port}
    if target.tls is not None:
        extra.update(ssl=target.tls, server_hostname=target.host)
    try:
        origin = await _connect()(
            target.url, additional_headers=target.headers, subprotocols=target.subprotocols or None,  # type: ignore[arg-type]
            user_agent_header=None, open_timeout=target.open_timeout, max_size=MAX_MESSAGE,
            close_timeout=CLOSE_TIMEOUT, proxy=None, **extra)  # never the environment's proxy (as HTTP origins)
    except InvalidStatus as exc:  # a redirect too: the edge does not follow it
        trace.origin_status = exc.response.status_code
        raise Refused(502, f"the origin answered the WebSocket handshake with {exc.response.status_code}, not 101",
                      result=ORIGIN_WEBSOCKET_REFUSED) from None
    except (OSError, TimeoutError, ValueError, WebSocketException) as exc:
        trace.error = CONNECT
        raise Refused(502, f"the origin's WebSocket could not be opened: {exc or type(exc).__name__}") from None
    except Exception as exc:  # noqa: BLE001 - never a traceback for the server to answer with
        log.exception("WebSocket %s: opening the origin's WebSocket failed (request id %s)", target.url, trace.request_id)
        raise Refused(502, f"the origin's WebSocket could not be opened: {exc or type(exc).__name__}") from None
    trace.origin_status = 101
    trace.origin_ms = (time.perf_counter() - began) * 1000
    async with origin:
        await send({"type": "websocket.accept", "subprotocol": origin.subprotocol})
        flow.accepted = True
        try:
            await both_ways(receive, send, origin, flow)
        except asyncio.CancelledError:  # the worker stops: both sides are told so
            await close_both(send, origin, GOING_AWAY, "the edge is stopping")
            raise
        except Exception:  # noqa: BLE001 - accepted: no status to answer with any more; both sides are closed
            log.exception("WebSocket %s failed while relaying (request id %s)", target.url, trace.request_id)
            await close_both(send, origin, ABNORMAL_FROM_ORIGIN, "the edge failed")


@functools.cache
@functools.lru_cache(maxsize=1)
def _connect() -> Any:
    """The websockets client, not following redirects: an origin that answers the handshake
    with a 3xx gets a 502, as any other answer but 101 (CloudFront does not follow them).

    Its connections end `close_timeout` after the origin's close frame: the library answers
    that frame at once but then waits for the origin to end the TCP connection, for ever while
    a message is awaited (its close deadline is only checked when it sends), so an origin that
    closed without hanging up held the viewer until the idle limit without its close code."""
    from websockets.asyncio.client import ClientConnection, connect

    class Connection(ClientConnection):  # type: ignore[misc]
        ending: asyncio.TimerHandle | None = None

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.ending is None and self.protocol.close_rcvd is not None and self.transport is not None:
                self.ending = self.loop.call_later(self.close_timeout or CLOSE_TIMEOUT, self.transport.abort)

        def connection_lost(self, exc: Exception | None) -> None:
            if self.ending is not None:
                self.ending.cancel()
            super().connection_lost(exc)

    class Connect(connect):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, create_connection=Connection, **kwargs)

        def process_redirect(self, exc: Exception) -> Exception:
            return exc

    return Connect


async def _refuse(scope: Scope, send: Send, status: int, message: str, response: EdgeResponse | None) -> None:
    """An HTTP answer to the handshake where the server can send one (the ASGI
    `websocket.http.response` extension): a function's answer as it made it, or the reason;
    else a close before accepting (403)."""
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": 1008})
        return
    if response is not None:
        headers = response.wire if response.wire is not None else encode(response.headers)
        body = response.body or b""
    else:
        body = f"{status}: {message}\n".encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": body})


def _port(scope: Scope) -> int:
    client = scope.get("client")
    return int(client[1]) if client else 0


def _scheme(scope: Scope) -> str:
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def _host(headers: list[tuple[str, str]]) -> str:
    return next((v for k, v in headers if k.lower() == "host"), "")
