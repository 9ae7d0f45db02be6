"""The request lifecycle, exactly as Lambda@Edge runs it:

    viewer-request -> cache lookup -> (miss) origin-request -> origin -> origin-response
                   -> cache store -> viewer-response -> viewer

- A response generated in viewer-request goes straight to the viewer: not cached, no other hook.
- A response generated in origin-request is cached and skips origin-response.
- origin-response also runs for origin 4xx/5xx.
- viewer-response runs on hits and misses, but not when the status is >= 400.
- Changing `uri` never re-selects the behavior or the origin.

The cache lookup and the coalescing of misses are cache_leg.py; the upstream leg
(origin-request to cache store) is origin_leg.py; a request's state is context.py's
RequestContext.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from ..cache import Coalescer, ResponseCache, cache_key, xcache
from ..config.behaviors import Behavior
from ..config.manifest import Manifest
from ..ops.results import BODY_TOO_LARGE, INTERNAL_ERROR, INVALID_HEADER, INVALID_METHOD
from ..viewer import ViewerHeaders
from ..upstream.origins import Origins
from . import events
from .background import BackgroundRevalidations
from .downstream import RequestTooLarge, ViewerFailed, ViewerRequest
from .forward import forwards_viewer_host, viewer_host
from .headers import from_cf_headers
from .hooks import VALIDATION, HookFailure, HookResult, HookRunner
from .response import EDGE_LOG, EdgeResponse, error_page, failure_detail, hook_failure_page, http_date
from .response_validation import NO_CONTENT
from .conditional import FROM_CACHE, not_modified
from .ranges import partial
from .context import RequestContext
from .cache_leg import CacheLeg
from .routing import Routing
from .served import generated, set_length
from .trace import Trace
from .via import VIA, VIA_WIRE
from ..wire import OWN_HEADERS, SERVER, encode

log = logging.getLogger("edge.pipeline")

__all__ = ["VIA", "Pipeline"]  # VIA: the front door and the native endpoint read it from here

MAX_BUFFERED_REQUEST_BODY = 16 * 1024 * 1024
_OWN_HEADERS = OWN_HEADERS  # the edge sets these
BAD_REQUEST = (
    "Bad request. We can't connect to the server for this app or website at this time. There might be too much "
    "traffic or a configuration error. Try again later, or contact the app or website owner."
)


class Pipeline(CacheLeg):
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
        self.revalidations = BackgroundRevalidations()
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
        try:
            response = await self._handle(viewer, trace)
        except ViewerFailed:
            raise
        except Exception:  # noqa: BLE001  (a fault in the edge itself: the edge answers and logs it, not the server)
            response = self._internal_error(trace, viewer)
        if (viewer.conditional or viewer.ranged) and response.status == 200 and response.x_cache in FROM_CACHE:
            response = _from_what_the_viewer_holds(viewer, response)
        trace.total_ms = (time.perf_counter() - trace.started) * 1000
        self.finish(response, trace, head=viewer.method == "HEAD")
        return response, trace

    async def _handle(self, viewer: ViewerRequest, trace: Trace) -> EdgeResponse:
        rid = trace.request_id
        routing = self.routing
        behavior = routing.match(viewer.uri)
        trace.behavior = behavior.pattern
        if viewer.method not in behavior.methods:
            trace.error = INVALID_METHOD  # the access log's detailed_result_type (CloudFront's name)
            return self._error_page(
                behavior, 403, rid, "This distribution is not configured to allow the HTTP request method that was used.",
                f"{viewer.method} is not allowed for path pattern {behavior.pattern}", xcache.ERROR,
            )
        host = routing.manifest.distribution.domain_name
        if forwards_viewer_host(behavior):  # the origin sees the viewer's Host: so does the key
            host = viewer_host(viewer.headers)  # type: ignore[assignment]
            if host is None:
                sent = [v[:100] for k, v in viewer.headers if k.lower() == "host"]
                trace.error = INVALID_HEADER
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
                trace.error = BODY_TOO_LARGE
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
        # OPTIONS is keyed (apart from GET/HEAD) only when the behavior caches it, as CloudFront's CachedMethods
        key = None if behavior.cache.caches_nothing or viewer.method not in behavior.cached_methods else cache_key(
            behavior.cache,
            method=viewer.method,
            host=host,  # Host is read-only in viewer-request: the viewer's is still the one sent
            path=uri,
            query=query,
            headers=pairs,
        )
        ctx = RequestContext(routing, trace, viewer, behavior, request, pairs, body, key, uri, query)

        response = await self._from_cache_or_origin(ctx)
        vres = associations.get("viewer-response")
        if vres is not None and response.status < 400 and response.x_cache != xcache.ERROR:
            response = await self._viewer_response(ctx, response)
        return response

    async def _viewer_response(self, ctx: RequestContext, response: EdgeResponse) -> EdgeResponse:
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
        elif out.status in NO_CONTENT:  # a status changed to 204, 205 or 304 drops the body kept
            await response.aclose()
            out.stream = out.closer = None
            out.body = b""
        return out

    # -- helpers -------------------------------------------------------------------

    def _error_page(
        self, behavior: Behavior, status: int, rid: str, sentence: str, detail: str, x_cache: str
    ) -> EdgeResponse:
        """An error page made by the edge; its detail is logged under the request id."""
        if detail:
            self.hooks.logs.record(EDGE_LOG, "", rid, "", "ERROR", f"{status}: {detail}")
        return error_page(status, rid, sentence, detail, x_cache, debug=self.debug_errors or behavior.debug_errors)

    def _internal_error(self, trace: Trace, viewer: ViewerRequest) -> EdgeResponse:
        """The viewer gets a CloudFront-style 500 with its request id; the traceback goes to the
        server's log and its summary to the request's log (`edge logs --request-id`)."""
        log.exception("request %s: an internal error in the edge", trace.request_id)
        trace.error = INTERNAL_ERROR
        exc = sys.exc_info()[1]
        detail = f"an internal error in the edge ({type(exc).__name__}: {exc}); the traceback is in the server's log"
        self.hooks.logs.record(EDGE_LOG, "", trace.request_id, "", "ERROR", f"500: {detail}")
        try:
            debug = self.debug_errors or self.routing.match(viewer.uri).debug_errors
        except Exception:  # noqa: BLE001  (the fault may be in matching itself)
            debug = self.debug_errors
        return error_page(500, trace.request_id, "The request could not be satisfied.", detail, xcache.ERROR,
                          debug=debug)

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
            country=viewer.country, user_agent=user_agent, http_version=viewer.http_version,
            raw_headers=viewer.raw_headers,
        )
        names = {name.lower() for name, _ in generated}
        return [(k, v) for k, v in pairs if k.lower() not in names] + generated

    def finish(self, response: EdgeResponse, trace: Trace, *, head: bool = False) -> None:
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
        has_date = has_server = False
        for k, v in response.headers:  # one pass
            lower = k.lower()
            if lower not in drop:
                headers.append((k, v))
                has_date = has_date or lower == "date"
                has_server = has_server or lower == "server"
        if not has_date:  # the origin's Date when it sent one; the servers add none (one Date only)
            headers.append(("Date", http_date()))
        if not has_server:
            headers.append(SERVER)
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


def _from_what_the_viewer_holds(viewer: ViewerRequest, response: EdgeResponse) -> EdgeResponse:
    """A cached 200 as the viewer asked for it: 304 when it holds it already (conditional.py),
    else the range it wants (ranges.py, GET only), else whole."""
    if viewer.conditional and viewer.method in ("GET", "HEAD"):
        unchanged = not_modified(viewer.headers, response)
        if unchanged is not None:
            return unchanged
    if viewer.ranged and viewer.method == "GET":
        return partial(viewer.headers, response) or response
    return response
