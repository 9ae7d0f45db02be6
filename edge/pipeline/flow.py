"""The request lifecycle, exactly as Lambda@Edge runs it:

    viewer-request -> cache lookup -> (miss) origin-request -> origin -> origin-response
                   -> cache store -> viewer-response -> viewer

- A response generated in viewer-request goes straight to the viewer: not cached, no other hook.
- A response generated in origin-request is cached and skips origin-response.
- origin-response also runs for origin 4xx/5xx.
- viewer-response runs on hits and misses, but not when the status is >= 400.
- Changing `uri` never re-selects the behavior or the origin.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

from ..cache import (
    CachedResponse,
    Coalescer,
    ResponseCache,
    cache_key,
    refreshed,
    revalidation_headers,
    ttl_for,
    xcache,
)
from ..cache.headers import Headers
from ..cache.vary import ANY, Vary, request_vary, vary_matches, vary_names
from ..config.behaviors import Behavior
from ..config.manifest import Manifest
from ..upstream.http import OriginError
from ..viewer import ViewerHeaders
from ..upstream.origins import Origins
from . import events
from .bodies import discard, read_capped
from .downstream import RequestTooLarge, ViewerRequest
from .forward import forwards_viewer_host, origin_headers, origin_querystring, reaches_origin, viewer_host
from .headers import from_cf_headers, to_cf_headers
from .hooks import VALIDATION, HookFailure, HookResult, HookRunner
from .response import EDGE_LOG, EdgeResponse, error_page, failure_detail, hook_failure_page, http_date
from .routing import Routing
from .served import from_entry, generated, set_length
from .storage import may_serve_stale, shareable
from .trace import Trace
from .wire import OWN_HEADERS, encode

ORIGIN_BODY_EXPOSURE = 1024 * 1024  # beyond AWS: origin-response may see up to 1 MB of body
MAX_BUFFERED_REQUEST_BODY = 16 * 1024 * 1024
NODE_ID = secrets.token_hex(16)
VIA = f"1.1 {NODE_ID}.edge (edge)"
VIA_WIRE = (b"via", VIA.encode("latin-1"))
_OWN_HEADERS = OWN_HEADERS  # the edge sets these
BAD_REQUEST = (
    "Bad request. We can't connect to the server for this app or website at this time. There might be too much "
    "traffic or a configuration error. Try again later, or contact the app or website owner."
)


@dataclass(slots=True)
class _Ctx:
    routing: Routing
    trace: Trace
    viewer: ViewerRequest
    behavior: Behavior
    request_object: dict[str, Any] | None  # the viewer request (after viewer-request); built when first needed
    headers: list[tuple[str, str]]  # its headers, plus the edge's generated CloudFront-* headers
    body: bytes | None  # buffered viewer body (None: stream it)
    key: str | None
    uri: str  # the request's path (after viewer-request)
    query: str  # and its query string
    vary: Vary | None = None  # what the entry stored for this request remembers (Vary), if any

    @property
    def request(self) -> dict[str, Any]:
        """The viewer request object. Without a viewer-request function a cache hit never
        needs it, so it is built on first use (origin and viewer-response events)."""
        if self.request_object is None:
            viewer = self.viewer
            self.request_object = events.viewer_request(
                client_ip=viewer.client_ip, method=viewer.method, uri=viewer.uri,
                querystring=viewer.querystring, headers=viewer.headers,
            )
        return self.request_object


class Pipeline:
    def __init__(
        self,
        manifest: Manifest,
        hooks: HookRunner,
        origins: Origins,
        cache: ResponseCache,
        *,
        server_timing: bool = False,
        viewer_headers: ViewerHeaders | None = None,
        debug_errors: bool = False,
    ) -> None:
        self.routing = Routing.build(manifest, origins)
        self.viewer_headers = viewer_headers or ViewerHeaders(manifest.viewer)
        self.debug_errors = debug_errors  # error pages show the operator's detail everywhere
        self.hooks = hooks
        self.cache = cache
        self.coalescer = Coalescer()
        self.server_timing = server_timing or manifest.distribution.server_timing

    @property
    def manifest(self) -> Manifest:
        return self.routing.manifest

    def reconfigure(self, manifest: Manifest, origins: Origins) -> None:
        """Switch to new behaviors/origins atomically: requests in flight keep the old view."""
        self.routing = Routing.build(manifest, origins)

    def match(self, uri: str) -> Behavior:
        return self.routing.match(uri)

    # -- the lifecycle ---------------------------------------------------------------

    async def handle(self, viewer: ViewerRequest) -> tuple[EdgeResponse, Trace]:
        trace = Trace(request_id=events.new_request_id(), started=time.perf_counter())
        response = await self._handle(viewer, trace)
        trace.total_ms = (time.perf_counter() - trace.started) * 1000
        self._finish(response, trace, head=viewer.method == "HEAD")
        return response, trace

    async def _handle(self, viewer: ViewerRequest, trace: Trace) -> EdgeResponse:
        rid = trace.request_id
        routing = self.routing
        behavior = routing.match(viewer.uri)
        trace.behavior = behavior.pattern
        if viewer.method not in behavior.methods:
            return self._error_page(
                behavior, 403, rid, "This distribution is not configured to allow the HTTP request method that was used.",
                f"{viewer.method} is not allowed for path pattern {behavior.pattern}", xcache.ERROR,
            )
        host = routing.manifest.distribution.domain_name
        if forwards_viewer_host(behavior):  # the origin sees the viewer's Host: so does the key
            host = viewer_host(viewer.headers)  # type: ignore[assignment]
            if host is None:
                sent = [v[:100] for k, v in viewer.headers if k.lower() == "host"]
                return self._error_page(
                    behavior, 400, rid, BAD_REQUEST,
                    f"Host {sent!r} is not one valid host[:port], and {behavior.pattern} forwards it", xcache.ERROR,
                )
        associations = behavior.associations
        vr = associations.get("viewer-request")
        orq = associations.get("origin-request")
        needs_body = viewer.has_body and ((vr is not None and vr.include_body) or (orq is not None and orq.include_body))
        body: bytes | None = None
        if needs_body:
            try:
                body = await viewer.read_body(MAX_BUFFERED_REQUEST_BODY)
            except RequestTooLarge:
                return self._error_page(behavior, 413, rid, "The request body is too large.",
                                        f"limit {MAX_BUFFERED_REQUEST_BODY} bytes", xcache.ERROR)

        request: dict[str, Any] | None = None
        if vr is not None:
            request = events.viewer_request(
                client_ip=viewer.client_ip,
                method=viewer.method,
                uri=viewer.uri,
                querystring=viewer.querystring,
                headers=viewer.headers,
                body=body,
                include_body=vr.include_body,
            )
            result = await self.hooks.run(vr, rid, request)
            trace.hooks.append(result.run) if result.run else None
            if result.failure:
                return self._hook_failed(result.failure, rid, behavior)
            if result.response is not None:
                return generated(result.response)  # straight to the viewer: not cached, no other hook
            request = result.request  # type: ignore[assignment]
            if result.request_body is not None:
                body = result.request_body
            pairs = from_cf_headers(request["headers"])  # type: ignore[index]
            uri, query = request["uri"], request["querystring"]  # type: ignore[index]
        else:  # no function: the viewer's own request (the front door left out what functions never see)
            pairs = viewer.headers
            uri, query = viewer.uri, viewer.querystring
        if behavior.cloudfront_headers:  # the edge's CloudFront-* headers, added after viewer-request
            pairs = await self._with_cloudfront_headers(behavior.cloudfront_headers, viewer, pairs)
        key = None if behavior.cache.caches_nothing else cache_key(
            behavior.cache,
            method=viewer.method,
            host=host,  # Host is read-only in viewer-request: the viewer's is still the one sent
            path=uri,
            query=query,
            headers=pairs,
        )
        ctx = _Ctx(routing, trace, viewer, behavior, request, pairs, body, key, uri, query)

        response = await self._from_cache_or_origin(ctx)
        vres = associations.get("viewer-response")
        if vres is not None and response.status < 400 and response.x_cache != xcache.ERROR:
            response = await self._viewer_response(ctx, response)
        return response

    async def _from_cache_or_origin(self, ctx: _Ctx) -> EdgeResponse:
        key = ctx.key
        if key is None:
            ctx.trace.cache = "none"
            return await self._origin_flow(ctx, None)
        entry = self.cache.get(key, ctx.headers)
        now = self.cache.clock()
        if entry is not None and entry.fresh(now):
            ctx.trace.cache = "hit"
            return from_entry(entry, xcache.HIT, now)
        if ctx.viewer.method == "HEAD":
            # a HEAD miss is fetched on its own and not stored (it has no body for GETs)
            ctx.trace.cache = "miss"
            return await self._origin_flow(ctx, entry, store=False)

        mine: list[EdgeResponse] = []

        async def lead() -> tuple[EdgeResponse, Vary | None] | None:
            response = await self._origin_flow(ctx, entry)
            mine.append(response)
            return (response, ctx.vary) if response.cacheable else None

        landed = await self.coalescer.run(key, lead)
        if mine:
            return mine[0]
        if landed is not None:
            shared, vary = landed
            if vary is None or vary_matches(vary, ctx.headers):
                ctx.trace.cache = "coalesced"
                return EdgeResponse(
                    status=shared.status, headers=list(shared.headers), body=shared.body,
                    x_cache=xcache.HIT, reason=shared.reason, age=0, cacheable=True,
                )
        ctx.trace.cache = "miss"
        # the leader's answer was private, or for other values of the headers its Vary names
        return await self._origin_flow(ctx, self.cache.get(key, ctx.headers))

    async def _origin_flow(self, ctx: _Ctx, stale: CachedResponse | None, *, store: bool = True) -> EdgeResponse:
        """origin-request -> origin -> origin-response -> cache store."""
        trace, behavior, rid = ctx.trace, ctx.behavior, ctx.trace.request_id
        if not trace.cache:
            trace.cache = "miss"
        routing = ctx.routing
        spec = routing.manifest.origins[behavior.origin]
        target = routing.origins.targets[spec.name]
        cacheable_request = ctx.key is not None
        forwarded = origin_headers(ctx.headers, behavior, spec, ctx.viewer.client_ip, VIA, cacheable=cacheable_request)
        orq = behavior.associations.get("origin-request")
        ores = behavior.associations.get("origin-response")
        uri, querystring = ctx.uri, origin_querystring(ctx.query, behavior)
        origin_request: dict[str, Any] = {}
        if orq is not None or ores is not None:  # without origin hooks the event is never built
            event_origin = routing.event_origins[spec.name]
            origin_request = events.origin_request(
                ctx.request,
                origin=event_origin,
                querystring=querystring,
                forwarded_headers=to_cf_headers(forwarded),
                body=ctx.body,
                include_body=bool(orq and orq.include_body),
            )
        body = ctx.body
        if orq is not None:
            result = await self.hooks.run(
                orq, rid, origin_request, allowed_origin=lambda origin: routing.origins.allowed(spec, origin)
            )
            if result.run:
                trace.hooks.append(result.run)
            if result.failure:
                return self._hook_failed(result.failure, rid, behavior)
            if result.response is not None:
                made = generated(result.response)
                return self._store_generated(ctx, made, store)
            origin_request = result.request  # type: ignore[assignment]
            if result.request_body is not None:
                body = result.request_body
            if origin_request.get("origin", event_origin) is not event_origin:  # untouched: not re-resolved
                resolved = routing.origins.resolve(spec, origin_request["origin"])
                if resolved is None:  # validation already refused undeclared hosts; belt and braces
                    return self._error_page(behavior, 502, rid, "The origin-request function chose an origin that is not declared.",
                                            f"origin {origin_request['origin']!r}", xcache.LAMBDA_VALIDATION_ERROR)
                spec, target = resolved
            forwarded = from_cf_headers(origin_request["headers"])
            uri, querystring = origin_request["uri"], origin_request["querystring"]

        request_body: bytes | AsyncIterator[bytes] | None = body
        if request_body is None and ctx.viewer.has_body:
            request_body = ctx.viewer.body_stream()  # unchanged: stream it with its own length
            send_headers = list(forwarded)
        else:  # buffered or replaced: the client computes Content-Length for what is sent
            send_headers = [(k, v) for k, v in forwarded if k.lower() not in ("content-length", "transfer-encoding")]
        send_headers.append(("X-Amz-Cf-Id", rid))
        send_headers.extend(spec.custom_headers)
        if stale is not None and cacheable_request:
            send_headers.extend(revalidation_headers(stale))
        started = time.perf_counter()
        try:
            origin = await routing.origins.fetch(
                spec, target, ctx.viewer.method, uri, querystring,
                send_headers, request_body,
            )
        except OriginError as exc:
            trace.origin_ms = (time.perf_counter() - started) * 1000
            return self._origin_failed(ctx, exc, stale)
        trace.origin_ms = (time.perf_counter() - started) * 1000
        trace.origin_status = origin.status
        try:

            now = self.cache.clock()
            if origin.status == 304 and stale is not None:
                await origin.read()
                entry = refreshed(stale, origin, behavior.cache, now)
                storable, vary = self._variant(ctx, entry.headers)
                if vary != entry.vary:  # the 304 changed the Vary
                    entry = replace(entry, vary=vary)
                if entry.ttl > 0 and store and storable:
                    self.cache.put(ctx.key, entry, refresh=True)  # type: ignore[arg-type]
                    ctx.vary = vary
                trace.cache = "refresh-hit"
                response = from_entry(entry, xcache.REFRESH_HIT, now)
                response.cacheable = entry.ttl > 0 and storable
                return response
            if origin.status >= 500 and stale is not None and may_serve_stale(stale, now):
                await origin.read()
                trace.cache = "stale"
                return from_entry(stale, xcache.HIT, now)

            headers = origin.headers
            status, reason = origin.status, origin.reason
            body_bytes: bytes | None = None
            if ores is not None:
                response_obj = events.response_object(status, reason, headers)
                if ores.include_origin_body:
                    body_bytes = await read_capped(origin, ORIGIN_BODY_EXPOSURE)
                    if body_bytes is not None:
                        response_obj["body"] = {
                            "inputTruncated": False, "action": "read-only", "encoding": "base64",
                            "data": base64.b64encode(body_bytes).decode(),
                        }
                result = await self.hooks.run(ores, rid, origin_request, response_obj)
                if result.run:
                    trace.hooks.append(result.run)
                if result.failure:
                    await discard(origin)
                    return self._hook_failed(result.failure, rid, behavior)
                validated = result.response
                status, reason = validated["status"], validated["statusDescription"]
                headers = from_cf_headers(validated["headers"])
                if validated["body"] is not None:
                    await discard(origin)
                    body_bytes = validated["body"]
                    headers = set_length(headers, len(body_bytes))

            ttl = 0
            vary: Vary | None = None
            if cacheable_request and store and shareable(forwarded, headers, behavior):
                ttl = ttl_for(behavior.cache, status, headers, now)
                if ttl > 0:
                    storable, vary = self._variant(ctx, headers)
                    ttl = ttl if storable else 0
            x_cache = xcache.ERROR if status >= 400 else xcache.MISS
            if body_bytes is None and ttl > 0:
                body_bytes = await read_capped(origin, self.cache.max_entry_bytes)
                if body_bytes is None:
                    ttl = 0  # too large to cache: stream what is left
            if body_bytes is None:
                if origin.body is not None and origin.stream is None:
                    body_bytes = origin.body
                else:
                    streamed = EdgeResponse(
                        status, headers, body=None, stream=origin.stream, x_cache=x_cache, reason=reason, closer=origin.closer
                    )
                    length = origin.header("content-length")
                    if length is not None and length.isdigit():
                        streamed.extra["length"] = length  # the origin's framing, whatever hooks set
                    return streamed
            if status == 204 or status == 304:
                body_bytes = b""
            response = EdgeResponse(status, headers, body=body_bytes, x_cache=x_cache, reason=reason)
            if ttl > 0:
                entry = CachedResponse(status, reason, list(headers), body_bytes, stored_at=now, ttl=ttl, vary=vary)
                response.cacheable = self.cache.put(ctx.key, entry)  # type: ignore[arg-type]
                ctx.vary = vary
            return response
        except OriginError as exc:  # the origin broke off while we read its body
            await origin.aclose()
            return self._origin_failed(ctx, exc, stale)

    def _store_generated(self, ctx: _Ctx, generated: EdgeResponse, store: bool) -> EdgeResponse:
        """An origin-request generated response is cached under its own headers."""
        if ctx.key is None or not store:
            return generated
        now = self.cache.clock()
        ttl = ttl_for(ctx.behavior.cache, generated.status, generated.headers, now)
        if ttl > 0 and generated.body is not None:
            storable, vary = self._variant(ctx, generated.headers)
            if storable:
                entry = CachedResponse(generated.status, generated.reason, list(generated.headers), generated.body,
                                       stored_at=now, ttl=ttl, vary=vary)
                generated.cacheable = self.cache.put(ctx.key, entry)
                ctx.vary = vary
        return generated

    @staticmethod
    def _variant(ctx: _Ctx, headers: Headers) -> tuple[bool, Vary | None]:
        """May a response with these headers be stored for this request, and what must a later
        request share with this one to be served it (Vary, RFC 9111)?

        `Vary: *` is never stored, nor a Vary on X-Forwarded-For (the origin got the viewer's
        address in it). Headers the cache key holds are compared by the key already (Host too,
        whenever the origin gets the viewer's), and headers the origin never gets from the
        viewer cannot have changed its answer: neither is remembered, so `Vary: Accept-Encoding`
        (forwarded only when keyed) costs nothing.
        """
        names = vary_names(headers)
        if not names:
            return True, None
        if ANY in names or "x-forwarded-for" in names:
            return False, None
        behavior = ctx.behavior
        keyed = behavior.cache.headers
        names = tuple(n for n in names if n != "host" and n not in keyed and reaches_origin(n, behavior))
        return True, (request_vary(names, ctx.headers) if names else None)

    def _origin_failed(self, ctx: _Ctx, exc: OriginError, stale: CachedResponse | None) -> EdgeResponse:
        now = self.cache.clock()
        if stale is not None and may_serve_stale(stale, now):
            ctx.trace.cache = "stale"
            return from_entry(stale, xcache.HIT, now)  # stale-if-error
        status = 504 if exc.kind == "timeout" else 502
        sentence = (
            "We can't connect to the server for this app or website at this time."
            if status == 502 else "The origin did not answer in time."
        )
        ctx.trace.cache = "error"
        return self._error_page(ctx.behavior, status, ctx.trace.request_id, sentence, str(exc), xcache.ERROR)

    async def _viewer_response(self, ctx: _Ctx, response: EdgeResponse) -> EdgeResponse:
        assoc = ctx.behavior.associations["viewer-response"]
        headers = list(response.headers)
        if response.age is not None:
            headers.append(("Age", str(response.age)))
        response_obj = events.response_object(response.status, response.reason, headers)
        result: HookResult = await self.hooks.run(assoc, ctx.trace.request_id, ctx.request, response_obj)
        if result.run:
            ctx.trace.hooks.append(result.run)
        if result.failure:
            await response.aclose()
            return self._hook_failed(result.failure, ctx.trace.request_id, ctx.behavior)
        validated = result.response
        new_headers = [(k, v) for k, v in from_cf_headers(validated["headers"]) if k.lower() != "age"]
        out = EdgeResponse(
            status=validated["status"], headers=new_headers, body=response.body, stream=response.stream,
            x_cache=response.x_cache, reason=validated["statusDescription"], age=response.age, closer=response.closer,
            extra=dict(response.extra),
        )
        if validated["body"] is not None:
            await response.aclose()
            out.stream = out.closer = None
            out.body = validated["body"]
            out.headers = set_length(out.headers, len(out.body))
        return out

    # -- helpers -------------------------------------------------------------------

    def _error_page(
        self, behavior: Behavior, status: int, rid: str, sentence: str, detail: str, x_cache: str
    ) -> EdgeResponse:
        """An error page made by the edge; its detail is logged under the request id."""
        if detail:
            self.hooks.logs.record(EDGE_LOG, "", rid, "", "ERROR", f"{status}: {detail}")
        return error_page(status, rid, sentence, detail, x_cache, debug=self.debug_errors or behavior.debug_errors)

    def _hook_failed(self, failure: HookFailure, rid: str, behavior: Behavior) -> EdgeResponse:
        if failure.outcome is None and failure.kind != VALIDATION:  # the function never ran: nothing logged it
            self.hooks.logs.record(EDGE_LOG, "", rid, failure.event_type, "ERROR", failure_detail(failure))
        return hook_failure_page(failure, rid, debug=self.debug_errors or behavior.debug_errors)

    async def _with_cloudfront_headers(
        self, wanted: frozenset[str], viewer: ViewerRequest, pairs: list[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        """The request's headers with the edge's CloudFront-* values (which replace any a
        viewer-request function set under the same names)."""
        user_agent = next((v for k, v in pairs if k.lower() == "user-agent"), "")
        generated = await self.viewer_headers.generate(
            wanted, client_ip=viewer.client_ip, client_port=viewer.client_port, scheme=viewer.scheme,
            country=viewer.country, user_agent=user_agent,
        )
        names = {name.lower() for name, _ in generated}
        return [(k, v) for k, v in pairs if k.lower() not in names] + generated

    def _finish(self, response: EdgeResponse, trace: Trace, *, head: bool = False) -> None:
        """The edge's own headers. The host owns framing: a buffered body gets its true
        Content-Length whatever a function set; a streamed one keeps the origin's."""
        prepared = response.prepared
        if prepared is not None:  # served unchanged: its encoded headers plus this request's own
            wire = list(prepared.headers)
            if not prepared.has_date:
                wire.append((b"date", http_date().encode("latin-1")))
            if response.age is not None:
                wire.append((b"age", str(response.age).encode("latin-1")))
            wire.append((b"x-cache", response.x_cache.encode("latin-1")))
            wire.append(VIA_WIRE)
            wire.append((b"x-amz-cf-id", trace.request_id.encode("latin-1")))
            if self.server_timing:
                wire.append((b"server-timing", trace.server_timing().encode("latin-1")))
            response.wire = wire
            return
        length = response.extra.get("length")
        if response.body is not None and response.stream is None and not head and response.status not in (204, 304):
            length = str(len(response.body))
        elif response.status in (204, 304):
            length = None
        drop = _OWN_HEADERS
        if length is not None or response.stream is not None:
            drop = drop | {"content-length"}
        if response.age is not None:
            drop = drop | {"age"}
        headers = []
        has_date = False
        for k, v in response.headers:  # one pass
            lower = k.lower()
            if lower not in drop:
                headers.append((k, v))
                has_date = has_date or lower == "date"
        if not has_date:  # the origin's Date when it sent one; the servers add none (one Date only)
            headers.append(("Date", http_date()))
        if length is not None:
            headers.append(("Content-Length", length))
        if response.age is not None:
            headers.append(("Age", str(response.age)))
        headers.append(("X-Cache", response.x_cache))
        headers.append(("Via", VIA))
        headers.append(("X-Amz-Cf-Id", trace.request_id))
        if self.server_timing:
            headers.append(("Server-Timing", trace.server_timing()))
        response.headers = headers
        response.wire = encode(headers)
