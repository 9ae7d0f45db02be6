"""One viewer's WebSocket: checked, handshaken with the origin, then relayed both ways."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from ..pipeline.events import new_request_id
from ..pipeline.response import EDGE_LOG
from ..pipeline.trace import Trace
from ..pipeline.uri import MAX_URI, BadTarget, normalize_path
from ..pipeline.via import VIA
from .upstream import MAX_MESSAGE, OriginSocket, origin_socket

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from ..server.state import EdgeState

log = logging.getLogger("edge.websocket")

GOING_AWAY, ABNORMAL_FROM_ORIGIN, TOO_BIG = 1001, 1011, 1009
CLOSE_TIMEOUT = 2.0  # seconds the origin has to answer our close
UNSENDABLE = frozenset({1004, 1005, 1006, 1015})  # codes a close frame may not carry


class Refused(Exception):
    """The handshake is answered with an HTTP status instead of `101`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def serve_websocket(state: EdgeState, scope: Scope, receive: Receive, send: Send,
                          headers: list[tuple[str, str]], client_ip: str, *, stopping: bool = False) -> None:
    """The whole life of one viewer WebSocket (`headers`: the viewer's, as functions would see
    them; `client_ip`: behind trusted proxies; `stopping`: the worker drains, refuse it)."""
    if (await receive())["type"] != "websocket.connect":
        return
    trace = Trace(new_request_id(), time.perf_counter())
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    querystring = scope.get("query_string", b"").decode("latin-1")
    uri = raw_path.split(b"?", 1)[0].decode("latin-1")
    status, sent = 101, 0
    try:
        if stopping:
            raise Refused(503, "the server is stopping; reconnect")
        target = _target(state, scope, raw_path, querystring, headers, client_ip, trace)
        uri = target.url
        sent = await _relay(scope, receive, send, target, trace)
    except Refused as exc:
        status = exc.status
        (log.info if exc.status == 503 else log.warning)(
            "WebSocket %s refused with %d: %s (request id %s)", uri, exc.status, exc, trace.request_id)
        state.logs.record(EDGE_LOG, "", trace.request_id, "", "ERROR", f"WebSocket {uri}: {exc.status}: {exc}")
        await _refuse(scope, send, exc.status, str(exc))
    finally:
        trace.total_ms = (time.perf_counter() - trace.started) * 1000
        if state.access_log is not None:
            state.access_log.write(trace, client_ip=client_ip, method="GET", host=_host(headers), uri=uri,
                                   querystring=querystring, status=status, sent_bytes=sent, x_cache="Miss from edge")


def _target(state: EdgeState, scope: Scope, raw_path: bytes, querystring: str, headers: list[tuple[str, str]],
            client_ip: str, trace: Trace) -> OriginSocket:
    """The origin's WebSocket for this handshake, or Refused saying why there is none."""
    path = raw_path.split(b"?", 1)[0]
    if len(path) + 1 + len(querystring) > MAX_URI:
        raise Refused(414, f"the URL is longer than {MAX_URI} bytes")
    try:
        uri = normalize_path(path)
    except BadTarget as exc:
        raise Refused(exc.status, str(exc)) from None
    routing = state.pipeline.routing
    behavior = routing.match(uri)
    trace.behavior = behavior.pattern
    if behavior.associations:
        hooks = ", ".join(sorted(behavior.associations))
        raise Refused(403, f"the behavior {behavior.pattern!r} runs functions ({hooks}), which do not run on WebSocket "
                           "connections here: route the WebSocket's path to a behavior without functions")
    spec = routing.manifest.origins.get(behavior.origin)
    if spec is None or spec.kind != "http":
        kind = spec.kind if spec is not None else "unknown"
        raise Refused(403, f"the behavior {behavior.pattern!r} has a {kind} origin ({behavior.origin}); "
                           "WebSockets go to custom (HTTP) origins only")
    subprotocols = [str(p) for p in scope.get("subprotocols") or ()]
    return origin_socket(spec, behavior, uri, querystring, headers, subprotocols, client_ip, VIA)


async def _relay(scope: Scope, receive: Receive, send: Send, target: OriginSocket, trace: Trace) -> int:
    """Open the origin's WebSocket, accept the viewer's, relay until one side closes; the bytes
    sent to the viewer."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus, WebSocketException

    began = time.perf_counter()
    extra: dict[str, Any] = {"host": target.host, "port": target.port}
    if target.tls is not None:
        extra.update(ssl=target.tls, server_hostname=target.host)
    try:
        origin = await connect(
            target.url, additional_headers=target.headers, subprotocols=target.subprotocols or None,  # type: ignore[arg-type]
            user_agent_header=None, open_timeout=target.open_timeout, max_size=MAX_MESSAGE,
            close_timeout=CLOSE_TIMEOUT, **extra)
    except InvalidStatus as exc:
        trace.origin_status = exc.response.status_code
        raise Refused(502, f"the origin answered the WebSocket handshake with {exc.response.status_code}, not 101") from None
    except (OSError, TimeoutError, WebSocketException) as exc:
        trace.error = "OriginConnectError"
        raise Refused(502, f"the origin's WebSocket could not be opened: {exc or type(exc).__name__}") from None
    trace.origin_status = 101
    trace.origin_ms = (time.perf_counter() - began) * 1000
    async with origin:
        await send({"type": "websocket.accept", "subprotocol": origin.subprotocol})
        try:
            return await _both_ways(receive, send, origin)
        except asyncio.CancelledError:  # the worker stops: both sides are told so
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": GOING_AWAY, "reason": "the server is stopping"})
            with contextlib.suppress(Exception):
                await origin.close(code=GOING_AWAY, reason="the edge is stopping")
            raise


async def _both_ways(receive: Receive, send: Send, origin: Any) -> int:
    """Relay until one side closes; its close code and reason reach the other side."""
    sent = [0]
    to_origin = asyncio.ensure_future(_viewer_to_origin(receive, origin))
    to_viewer = asyncio.ensure_future(_origin_to_viewer(origin, send, sent))
    try:
        await asyncio.wait([to_origin, to_viewer], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (to_origin, to_viewer):
            task.cancel()
        for task in (to_origin, to_viewer):
            with contextlib.suppress(BaseException):
                await task
    if to_origin.done() and not to_origin.cancelled() and to_origin.exception() is None:
        code, reason = to_origin.result()  # the viewer closed (or went away)
        with contextlib.suppress(Exception):
            await origin.close(code=code if code not in UNSENDABLE else GOING_AWAY, reason=reason)
    else:  # the origin closed, failed, or sent a message too big
        code, reason = _origin_close(origin)
        with contextlib.suppress(Exception):
            await send({"type": "websocket.close", "code": code, "reason": reason})
    return sent[0]


async def _viewer_to_origin(receive: Receive, origin: Any) -> tuple[int, str]:
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "websocket.disconnect":
            return int(message.get("code") or 1005), str(message.get("reason") or "")
        if kind != "websocket.receive":
            continue
        data = message.get("bytes")
        if data is None:
            data = message.get("text") or ""
        if len(data) > MAX_MESSAGE:  # one bound each way: the origin's messages are held to it too
            await origin.close(code=TOO_BIG, reason="message too big")
            raise _TooBig()
        await origin.send(data)


async def _origin_to_viewer(origin: Any, send: Send, sent: list[int]) -> None:
    async for data in origin:
        if isinstance(data, str):
            await send({"type": "websocket.send", "text": data})
            sent[0] += len(data.encode("utf-8"))
        else:
            await send({"type": "websocket.send", "bytes": data})
            sent[0] += len(data)


class _TooBig(Exception):
    pass


def _origin_close(origin: Any) -> tuple[int, str]:
    """What the viewer is told when the origin's side ended: the origin's own close, or 1011."""
    close = origin.protocol.close_rcvd or origin.protocol.close_sent
    if close is None or close.code in UNSENDABLE:
        return ABNORMAL_FROM_ORIGIN, "the origin's connection ended"
    return close.code, close.reason


async def _refuse(scope: Scope, send: Send, status: int, message: str) -> None:
    """An HTTP answer to the handshake where the server can send one (the ASGI
    `websocket.http.response` extension), else a close before accepting (403)."""
    if "websocket.http.response" in scope.get("extensions", {}):
        body = f"{status}: {message}\n".encode()
        await send({"type": "websocket.http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "websocket.http.response.body", "body": body})
        return
    await send({"type": "websocket.close", "code": 1008})


def _host(headers: list[tuple[str, str]]) -> str:
    return next((v for k, v in headers if k.lower() == "host"), "")
