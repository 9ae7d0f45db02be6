"""The edge handler: one viewer request from ASGI into the pipeline and its response back.

It reads the scope once (the path, the headers functions see, the client's address behind
trusted proxies), refuses what CloudFront would refuse before any function runs (oversized
request heads, loops through the edge's own Via), streams the body, and writes the answer
with its framing, metrics and access-log line. `app.py` assembles it into the server app.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from ..cache import xcache
from ..ops import metrics
from ..pipeline.downstream import RequestTooLarge, ViewerRequest
from ..pipeline.events import new_request_id
from ..pipeline.flow import VIA
# MAX_REQUEST_HEAD: the event's headers stay within what the SDKs accept
from ..pipeline.headers import MAX_REQUEST_HEAD, is_disallowed, request_line_bytes
from ..pipeline.response import EDGE_LOG, error_page
from ..pipeline.trace import Trace
from ..pipeline.uri import MAX_URI, BadTarget, normalize_path
from ..pipeline.wire import encode
from ..upstream import faults
from .guard import BodyTimeout, IncompleteBody
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


def _viewer_ip(client: tuple[str, int] | list | None) -> str:
    """The viewer's address as CloudFront gives it: an IPv4 viewer of a dual-stack listener
    (`--host ::`) arrives as `::ffff:192.0.2.7`, a form CloudFront never shows (an IPv4 allow
    list in a function, X-Forwarded-For at the origin and the country lookup all want 192.0.2.7)."""
    if not client:
        return "127.0.0.1"
    host = client[0]
    if host.startswith("::ffff:") and "." in host:
        return host[7:]
    return host


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
        self.proxy_hops = proxy_hops  # trusted proxies in front (X-Forwarded-For), see _behind_proxies
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
            await self._send(scope, send, error_page(exc.status, new_request_id(), str(exc), "", xcache.ERROR))
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
            await self._send(scope, send, error_page(
                494, new_request_id(), "Request header too large.",
                f"the request line and headers are {size} bytes; CloudFront accepts at most {MAX_REQUEST_HEAD}",
                xcache.ERROR))
            return
        if looped:  # an origin that leads back here: answer instead of recursing until timeouts
            await self._send(scope, send, error_page(
                508, new_request_id(), "Loop detected.",
                "this request already passed through this edge (its Via header): an origin points back at the edge",
                xcache.ERROR))
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

        client_ip = _viewer_ip(client)
        if self.proxy_hops:
            try:
                client_ip = _behind_proxies(headers, client_ip, self.proxy_hops)
            except UntrustedForward as exc:
                log.warning("%s", exc)
                await self._send(scope, send, error_page(400, new_request_id(), str(exc), "", xcache.ERROR))
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
            sent, broken = await self._send(scope, send, response, receive)
        finally:
            state.in_flight -= 1
            state.registry.unpin(pin)
        if broken is not None:
            _broke_off(state, trace, viewer.method, uri, broken, sent)
        if self.observe:
            metrics.observe(trace, response.status)
        if state.access_log is not None:
            state.access_log.write(
                trace, client_ip=viewer.client_ip, method=viewer.method, host=_host(scope), uri=uri,
                querystring=viewer.querystring, status=response.status, sent_bytes=sent, x_cache=response.x_cache,
            )

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
        client_ip = _viewer_ip(scope.get("client"))
        if self.proxy_hops:
            try:
                client_ip = _behind_proxies(headers, client_ip, self.proxy_hops)
            except UntrustedForward as exc:
                refusal = refusal or (400, str(exc))
        if connection:  # headers the viewer's Connection names are hop-by-hop too, as on HTTP (after the proxies')
            headers = [(k, v) for k, v in headers if k.lower() not in connection]
        drain = getattr(self.app.state, "drain", None)
        state.websockets += 1  # edge_websockets_open
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

    @staticmethod
    async def _send(scope: Scope, send: Send, response, receive: Receive | None = None) -> tuple[int, Exception | None]:  # type: ignore[no-untyped-def]
        """Send the response; returns the body bytes sent, and the origin's failure if it broke
        off mid-body. A streamed origin body stops (and its origin connection is released) as
        soon as the viewer goes away. A body the origin broke off is left unfinished, so the
        server closes the viewer's connection: a chunked response never ends with its last
        chunk, and the viewer can tell it is incomplete (as CloudFront does)."""
        raw_headers = response.wire if response.wire is not None else encode(response.headers)
        # `reason`: the function's statusDescription, sent where the server can (reason.py)
        await send({"type": "http.response.start", "status": response.status, "headers": raw_headers,
                    "reason": response.reason})
        head = scope["method"] == "HEAD"
        if response.stream is None:
            body = b"" if head else (response.body or b"")
            await send({"type": "http.response.body", "body": body})
            return len(body), None
        sent = 0
        broken: Exception | None = None
        gone = asyncio.Event()
        watcher = asyncio.ensure_future(_watch_disconnect(receive, gone)) if receive is not None else None
        try:
            stream = response.stream
            while not head and not gone.is_set():
                try:
                    chunk = await anext(stream)
                except StopAsyncIteration:
                    break
                except Exception as exc:  # the origin broke off mid-body: cut the response, keep the server
                    broken = exc
                    break
                if chunk:
                    sent += len(chunk)
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except Exception:  # the viewer's connection failed under us: nothing more can be sent
            gone.set()
        finally:
            if watcher is not None:
                watcher.cancel()
            with contextlib.suppress(Exception):
                await response.aclose()
        if not gone.is_set() and broken is None:
            await send({"type": "http.response.body", "body": b""})
        return sent, broken


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


def _behind_proxies(headers: list[tuple[str, str]], peer: str, hops: int) -> str:
    """The viewer's address behind `hops` trusted proxies (a TLS-terminating load balancer is
    one): the entry those proxies appended last to X-Forwarded-For. Their entries are taken
    off the header (in place), so functions and the origin see what came from beyond them,
    and the edge appends the viewer's address as CloudFront does. A request with fewer
    entries than hops did not come through them all: the connection's peer stays the client.

    Every X-Forwarded-For line counts, in order, as one list (RFC 9110): a proxy that adds a
    line of its own (HAProxy's `option forwardfor`) would otherwise leave the viewer's forged
    first line to be taken for its entry. An entry that is not an IP address (with or without a
    port) refuses the request (UntrustedForward): never the peer, which behind a proxy is an
    internal address every viewer would share."""
    lines = [i for i, (name, _) in enumerate(headers) if name == "X-Forwarded-For"]
    if not lines:
        return peer
    entries = [e.strip() for i in lines for e in headers[i][1].split(",") if e.strip()]
    if len(entries) < hops:
        return peer
    client, rest = entries[-hops], entries[:-hops]
    for i in reversed(lines[1:]):
        del headers[i]
    if rest:
        headers[lines[0]] = ("X-Forwarded-For", ", ".join(rest))
    else:
        del headers[lines[0]]
    address = _address(client)
    if address is None:
        raise UntrustedForward(f"the X-Forwarded-For entry the trusted proxies added ({client[:100]!r}) is not an IP "
                               "address: check the proxies in front of the edge (--proxy-hops)")
    return address


class UntrustedForward(Exception):
    """The entry --proxy-hops trusts is not an address: the request is refused (400)."""


def _address(entry: str) -> str | None:
    """An X-Forwarded-For entry's IP address (some proxies add `203.0.113.7:51234` or
    `[2001:db8::1]:443`; an IPv4-mapped address is its IPv4 form), or None for anything else."""
    host = entry
    if entry.startswith("[") and "]" in entry:
        host = entry[1:entry.index("]")]
    elif entry.count(":") == 1:
        host = entry.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    mapped = address.ipv4_mapped if address.version == 6 else None
    return str(mapped) if mapped else str(address)


async def _watch_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    """Drain what is left of the request until the viewer disconnects. An unread body that
    stalls (BodyTimeout) ends the watch: the response goes on, its connection closes after."""
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                gone.set()
                return
    except BodyTimeout:
        return


def _host(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"host":
            return value.decode("latin-1")
    return ""
