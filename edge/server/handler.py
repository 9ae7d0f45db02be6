"""The edge handler: one viewer request from ASGI into the pipeline and its response back.

It reads the scope once (the path, the headers functions see, the client's address behind
trusted proxies), refuses what CloudFront would refuse before any function runs (oversized
request heads, loops through the edge's own Via), streams the body, and writes the answer
with its framing, metrics and access-log line. `app.py` assembles it into the server app.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from ..cache import xcache
from ..ops import metrics
from ..ops.results import CAPACITY_EXCEEDED, CLIENT_COMM_ERROR, GET_WITH_BODY, HEAD_TOO_LARGE, INVALID_HEADER, INVALID_REQUEST, LOOP_DETECTED
from ..pipeline.downstream import RequestTooLarge, ViewerRequest
from ..pipeline.events import new_request_id
from ..pipeline.flow import VIA
# MAX_REQUEST_HEAD: the event's headers stay within what the SDKs accept
from ..pipeline.headers import MAX_REQUEST_HEAD, is_disallowed, request_line_bytes
from ..pipeline.response import EDGE_LOG, EdgeResponse, error_page
from ..pipeline.trace import Trace
from ..pipeline.uri import MAX_URI, BadTarget, normalize_path
from ..upstream import faults
from .forwarded import UntrustedForward, behind_proxies, viewer_ip
from .guard import IncompleteBody
from .guard_page import behavior_of
from .reaper import address_key
from .sending import send_response
from .state import EdgeState

log = logging.getLogger("edge.server")


def _latin1(value: bytes) -> str:
    return value.decode("latin-1")


_KEYS: dict[bytes, str] = {}


def _header_key(name: bytes) -> str:
    """The `key` functions see for a viewer header, or "" for one that never enters the
    pipeline: CloudFront-* (only the edge sets those) and the headers CloudFront hides from
    functions (hop-by-hop, X-Amz-Cf-*, X-Edge-*, ...). ASGI servers lowercase names, so the
    viewer's original case is lost; the key is the canonical form (`user-agent` ->
    `User-Agent`), as AWS generates missing keys."""
    key = _KEYS.get(name)
    if key is None:
        text = name.decode("latin-1")
        if text.startswith("cloudfront-") or is_disallowed(text):
            key = ""
        else:
            key = "-".join(part.capitalize() for part in text.split("-"))
        if len(_KEYS) < 4096:
            _KEYS[name] = key
    return key


def refusal(status: int, sentence: str, detail: str, request_id: str | None = None, *,
            debug: bool = False) -> EdgeResponse:
    """The front door's own error page for a request it refuses before any behavior runs, with
    the headers CloudFront's carry (X-Cache: Error, Via, X-Amz-Cf-Id); `detail` on it only with
    `debug` (otherwise the page points to `edge logs`, where `_refuse` records it)."""
    request_id = request_id or new_request_id()
    page = error_page(status, request_id, sentence, detail, xcache.ERROR, debug=debug)
    page.headers += [("X-Cache", xcache.ERROR), ("Via", VIA), ("X-Amz-Cf-Id", request_id)]
    return page


# A request whose Via shows it passed this worker's edge twice, or any edges 8 times, is a
# loop (an origin pointing back at the edge): 508 instead of recursing until timeouts.
OWN_VIA = VIA.split(" ")[1].encode("latin-1")  # "<node id>.edge"
LOOP_OWN_HOPS = 2
LOOP_HOPS = 8


class EdgeHandler:
    """ASGI endpoint: viewer request in, pipeline, response out."""

    def __init__(self, app: Starlette, observe: bool = True, proxy_hops: int = 0) -> None:
        self.app = app
        self.observe = observe  # Prometheus metrics per request
        self.proxy_hops = proxy_hops  # trusted proxies in front (X-Forwarded-For), see forwarded.behind_proxies
        # The worker's state, set by the lifespan: reading `app.state.edge` cost ~1.5 µs a request.
        self.state: EdgeState | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        if state is None:  # not booted (or already closed): as Starlette's state would say
            state = self.app.state.edge
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await self._websocket(state, scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        path = raw_path.split(b"?", 1)[0]
        query = scope.get("query_string", b"")
        try:
            if query and len(path) + 1 + len(query) > MAX_URI:  # CloudFront's limit is for the whole URL
                raise BadTarget(414, f"the URL is longer than {MAX_URI} bytes")
            uri = normalize_path(path)
        except BadTarget as exc:  # never let a crafted target reach URL building (SSRF)
            await self._refuse(state, scope, send, exc.status, str(exc), "", INVALID_REQUEST,
                               path.decode("latin-1"))
            return
        headers = []
        has_body = has_length = False
        trusted, country, connection = state.country_header, None, None
        size = request_line_bytes(scope["method"], raw_path, query)
        looped = conditional = ranged = False
        for k, v in scope["headers"]:  # one pass: the function's headers, and whether a body follows
            size += len(k) + len(v) + 4
            if k == b"via" and b"(edge)" in v:
                looped = looped or _loops(v)
            if k == trusted:  # the load balancer's country header is read here, never passed on
                country = v.decode("latin-1")
                continue
            if k == b"content-length":
                has_length = True
                has_body = has_body or v not in (b"0", b"")
            elif k == b"transfer-encoding":
                has_body = True
            elif k == b"connection":
                connection = (connection or []) + [t.strip().lower() for t in v.decode("latin-1").split(",")]
            elif k == b"if-none-match" or k == b"if-modified-since":
                conditional = True
            elif k == b"range":
                ranged = True
            key = _header_key(k)
            if key:
                headers.append((key, v.decode("latin-1")))
        if size > MAX_REQUEST_HEAD:  # CloudFront's bound on a request's line and headers
            await self._refuse(
                state, scope, send, 494, "Request header too large.",
                f"the request line and headers are {size} bytes; CloudFront accepts at most {MAX_REQUEST_HEAD}",
                HEAD_TOO_LARGE, uri)
            return
        if looped:  # an origin that leads back here: answer instead of recursing until timeouts
            await self._refuse(
                state, scope, send, 508, "Loop detected.",
                "this request already passed through this edge (its Via header): an origin points back at the edge",
                LOOP_DETECTED, uri)
            return
        if has_body and scope["method"] in ("GET", "HEAD"):  # CloudFront answers 403: never cached under a
            # key that ignores the body, never read by an origin as part of the next request
            await self._refuse(
                state, scope, send, 403, "This distribution does not accept a GET or HEAD request with a body.",
                f"the {scope['method']} request announced a body (Content-Length or Transfer-Encoding); "
                "send it without one, or use POST", GET_WITH_BODY, uri)
            return
        client = scope.get("client")
        if not has_body and not has_length and scope.get("http_version") == "2" and scope["method"] not in ("GET", "HEAD"):
            has_body = True  # HTTP/2 may stream a body without announcing its length
        async def read_body(limit: int) -> bytes:
            chunks, size, more = [], 0, True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":  # gone (or broken framing) mid-body
                    raise IncompleteBody()
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise RequestTooLarge()
                chunks.append(chunk)
                more = message.get("more_body", False)
            return b"".join(chunks)

        async def body_stream() -> AsyncIterator[bytes]:
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":  # never pass a cut body off as whole
                    raise IncompleteBody()
                yield message.get("body", b"")
                more = message.get("more_body", False)

        client_ip = viewer_ip(client)
        if self.proxy_hops:
            try:
                client_ip = behind_proxies(headers, client_ip, self.proxy_hops)
            except UntrustedForward as exc:
                log.warning("%s", exc)
                await self._refuse(state, scope, send, 400, str(exc), "", INVALID_HEADER, uri, client_ip)
                return
        if connection:  # headers the viewer's Connection names are hop-by-hop too (RFC 9110, section 7.6.1),
            # after the trusted proxies' X-Forwarded-For was read: a viewer's `Connection: X-Forwarded-For`
            # passed on by a proxy must not remove the proxies' entry
            headers = [(k, v) for k, v in headers if k.lower() not in connection]
        viewer = ViewerRequest(
            method=scope["method"],
            uri=uri,
            querystring=_latin1(scope.get("query_string", b"")),
            headers=headers,
            client_ip=client_ip,
            read_body=read_body,
            body_stream=body_stream,
            has_body=has_body,
            scheme=scope.get("scheme", "http"),
            client_port=client[1] if client else 0,
            country=country,
            conditional=conditional, ranged=ranged,
            http_version=scope.get("http_version", "1.1"), raw_headers=scope["headers"],
        )
        pin = state.registry.pin()  # every hook of this request sees the versions it started with
        state.in_flight += 1
        try:
            response, trace = await state.pipeline.handle(viewer)
            sent, broken, left = await send_response(scope, send, response, receive)
        finally:
            state.in_flight -= 1
            state.registry.unpin(pin)
        if broken is not None:
            _broke_off(state, trace, viewer.method, uri, broken, sent)
        elif left:  # the viewer went away before the response was complete: `sent` is what it was given
            trace.error = CLIENT_COMM_ERROR
        if self.observe:
            metrics.observe(trace, response.status)
        if state.access_log is not None:
            state.access_log.write(
                trace, client_ip=viewer.client_ip, method=viewer.method, host=_host(scope), uri=uri,
                querystring=viewer.querystring, status=response.status, sent_bytes=sent, x_cache=response.x_cache,
                scope=scope,
            )

    async def _refuse(self, state: EdgeState, scope: Scope, send: Send, status: int, sentence: str, detail: str,
                      result: str, uri: str, client_ip: str | None = None) -> None:
        """Answer a request the front door refuses, and count and log it as any other request
        (`result`: the access log's detailed_result_type; behavior "", cache "none"): a flood
        of refusals must show. The rare branch: the normal path pays nothing for it."""
        started = time.perf_counter()
        request_id = new_request_id()
        behavior = behavior_of(state, scope)
        debug = bool(state.options.debug_errors or (behavior is not None and behavior.debug_errors))
        why = "; ".join(part for part in (sentence.rstrip("."), detail) if part)
        try:  # where the page tells the operator to look
            state.logs.record(EDGE_LOG, "", request_id, "", "ERROR", f"{status}: {scope['method']} {uri}: {why}")
        except Exception:  # the answer matters more than its log record  # noqa: BLE001
            log.exception("recording a refused request's detail failed")
        page = refusal(status, sentence, detail or sentence, request_id, debug=debug)
        sent, _, _ = await send_response(scope, send, page)
        self.record_refusal(scope, status, result, sent, started, uri=uri, client_ip=client_ip, request_id=request_id,
                            state=state)

    def record_refusal(self, scope: Scope, status: int, result: str, sent: int, started: float, *,
                       uri: str | None = None, client_ip: str | None = None, request_id: str | None = None,
                       state: EdgeState | None = None, behavior: str = "") -> None:
        """Count and log a request refused before any behavior ran, by this handler or by the
        guard in front of it (guard.py: 505, 408, 503 while stopping, ...): `result` is the
        access log's detailed_result_type, `sent` the bytes of the body the viewer was sent,
        `started` its perf_counter() time; `uri` by default the path as sent; `behavior` the
        pattern of the behavior it was for, when one was (a request cut by the stop)."""
        state = state or self.state or getattr(self.app.state, "edge", None)
        if state is None:  # not booted yet, or shut down: nothing to count into
            return
        trace = Trace(request_id or new_request_id(), started, behavior=behavior, error=result)
        trace.total_ms = (time.perf_counter() - started) * 1000
        if self.observe:
            metrics.observe(trace, status)
        if state.access_log is not None:
            if uri is None:
                raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
                uri = raw_path.split(b"?", 1)[0].decode("latin-1")
            query = scope.get("query_string", b"")
            state.access_log.write(
                trace, client_ip=client_ip or self._client_of(scope), method=scope["method"], host=_host(scope),
                uri=uri, querystring=_latin1(query), status=status, sent_bytes=sent, x_cache=xcache.ERROR, scope=scope,
            )

    def _client_of(self, scope: Scope) -> str:
        """The viewer's address for a refused request's log line: behind trusted proxies, their
        X-Forwarded-For entry when it is an address, else the connection's peer."""
        peer = viewer_ip(scope.get("client"))
        if not self.proxy_hops:
            return peer
        forwarded = [("X-Forwarded-For", v.decode("latin-1")) for k, v in scope["headers"] if k == b"x-forwarded-for"]
        try:
            return behind_proxies(forwarded, peer, self.proxy_hops)
        except UntrustedForward:
            return peer

    async def _websocket(self, state: EdgeState, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket handshake: proxied to the behavior's origin (edge/websocket/)."""
        from ..websocket import serve_websocket

        headers, country, connection = [], None, set()
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        size, hosts, looped = len(raw_path) + len(scope.get("query_string", b"")) + 16, 0, False
        for k, v in scope["headers"]:
            size += len(k) + len(v) + 4
            if k == b"host":
                hosts += 1
            elif k == b"via" and b"(edge)" in v:
                looped = looped or _loops(v)
            elif k == b"connection":
                connection.update(t.strip().lower() for t in v.decode("latin-1").split(","))
            if k == state.country_header:  # the load balancer's country header: read, never passed on
                country = v.decode("latin-1")
                continue
            key = _header_key(k)
            if key:
                headers.append((key, v.decode("latin-1")))
        # what the front door refuses of any request, before a behavior is looked at
        refusal = ((494, f"the request line and headers are {size} bytes; CloudFront accepts at most {MAX_REQUEST_HEAD}")
                   if size > MAX_REQUEST_HEAD else
                   (400, "a request must carry one Host header, not several") if hosts > 1 else
                   (508, "this request already passed through this edge (its Via header): an origin points back at the "
                         "edge") if looped else None)
        client_ip = viewer_ip(scope.get("client"))
        if self.proxy_hops:
            try:
                client_ip = behind_proxies(headers, client_ip, self.proxy_hops)
            except UntrustedForward as exc:
                refusal = refusal or (400, str(exc))
        if connection:  # headers the viewer's Connection names are hop-by-hop too, as on HTTP (after the proxies')
            headers = [(k, v) for k, v in headers if k.lower() not in connection]
        # the connection's own address (X-Forwarded-For aside), an IPv6 one by its /64 as the caps count
        peer = address_key(viewer_ip(scope.get("client")))
        refusal = refusal or self._websockets_full(state, peer)
        drain = getattr(self.app.state, "drain", None)
        state.websockets += 1  # edge_websockets_open
        state.websocket_peers[peer] = state.websocket_peers.get(peer, 0) + 1
        try:
            if drain is None:
                await serve_websocket(state, scope, receive, send, headers, client_ip, country=country, refusal=refusal)
                return
            # an open WebSocket never ends by itself: a stop cuts it at once (closed 1001, going away)
            request = drain.enter("GET", scope.get("path", ""), endless=True, client=scope.get("client"))
            try:
                await serve_websocket(state, scope, receive, send, headers, client_ip, country=country,
                                      refusal=refusal or ((503, "the server is stopping; reconnect")
                                                          if drain.stopping else None))
            except asyncio.CancelledError:
                if not request.survives_cut():
                    raise
            finally:
                drain.leave(request)
        finally:
            state.websockets -= 1
            left = state.websocket_peers.get(peer, 1) - 1
            if left > 0:
                state.websocket_peers[peer] = left
            else:
                state.websocket_peers.pop(peer, None)

    def _websockets_full(self, state: EdgeState, peer: str) -> tuple[int, str, str] | None:
        """503 for a WebSocket beyond the worker's connection bounds: --max-connections in all,
        --max-connections-per-address from one address (off behind trusted proxies, as for
        connections). Each holds two descriptors as long as it lives, and not every server counts
        an upgraded connection against its own bounds (Granian counts none), so the edge counts
        them here, whatever the server."""
        options = state.options
        if options.max_connections and state.websockets >= options.max_connections:
            return 503, (f"this worker holds {state.websockets} WebSockets, as many connections as it takes "
                         "(--max-connections); retry later"), CAPACITY_EXCEEDED
        cap = 0 if self.proxy_hops else options.max_connections_per_address
        if cap and state.websocket_peers.get(peer, 0) >= cap:
            return 503, (f"this worker holds {cap} WebSockets from {peer} (--max-connections-per-address); "
                         "close some, or retry later"), CAPACITY_EXCEEDED
        return None


def _loops(via: bytes) -> bool:
    """A Via showing the request passed this worker's edge twice, or any edges 8 times."""
    return via.count(OWN_VIA) >= LOOP_OWN_HOPS or via.count(b"(edge)") >= LOOP_HOPS


def _broke_off(state: EdgeState, trace: Trace, method: str, uri: str, exc: Exception, sent: int) -> None:
    """An origin that failed after its answer began reaching the viewer: one warning, the
    detail under the request id (`edge logs --request-id`), its name in the access log."""
    trace.error = getattr(exc, "result", faults.READ)
    message = f"{method} {uri}: the origin broke off the body after {sent} bytes were sent to the viewer: {exc}"
    log.warning("%s (request id %s)", message, trace.request_id)
    state.logs.record(EDGE_LOG, "", trace.request_id, "", "ERROR", message)


def _host(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"host":
            return value.decode("latin-1")
    return ""
