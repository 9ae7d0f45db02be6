"""The leg of a request that goes upstream: origin-request -> origin -> origin-response ->
cache store, with stale-if-error and revalidation, as Lambda@Edge runs it.

- A response generated in origin-request is cached under its own headers and skips
  origin-response.
- origin-response also runs for origin 4xx/5xx.
- Changing `uri` never re-selects the behavior or the origin.

`Pipeline` (flow.py) takes these steps as a base class: they use its hooks, cache and error
pages.
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from ..cache import CachedResponse, refreshed, revalidation_headers, ttl_for, xcache
from ..cache.headers import Headers
from ..cache.vary import ANY, Vary, request_vary, vary_names
from ..upstream.http import REQUEST_LOG, OriginError
from . import events
from .bodies import discard, read_capped, read_prefix
from .context import RequestContext
from .forward import origin_headers, origin_querystring, reaches_origin
from .headers import from_cf_headers, to_cf_headers
from .response import EDGE_LOG, EdgeResponse
from .response_validation import NO_CONTENT
from .served import from_entry, generated, set_length
from .storage import may_serve_stale, shareable
from .via import VIA

ORIGIN_BODY_EXPOSURE = 1024 * 1024  # beyond AWS: origin-response may see up to 1 MB of body


class OriginLeg:
    """The upstream steps of `Pipeline` (see the module docstring)."""

    async def _origin_flow(self, ctx: RequestContext, stale: CachedResponse | None, *, store: bool = True) -> EdgeResponse:
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
        custom_headers: tuple[tuple[str, str], ...] | list[tuple[str, str]] = spec.custom_headers
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
                # the origin as the function returned it, its customHeaders included (as Lambda@Edge sends them)
                custom_headers = from_cf_headers(next(iter(origin_request["origin"].values())).get("customHeaders") or {})
            forwarded = from_cf_headers(origin_request["headers"])
            uri, querystring = origin_request["uri"], origin_request["querystring"]

        request_body: bytes | AsyncIterator[bytes] | None = body
        if request_body is None and ctx.viewer.has_body:
            request_body = ctx.viewer.body_stream()  # unchanged: stream it with its own length
            send_headers = list(forwarded)
        else:  # buffered or replaced: the client computes Content-Length for what is sent
            send_headers = [(k, v) for k, v in forwarded if k.lower() not in ("content-length", "transfer-encoding")]
        send_headers.append(("X-Amz-Cf-Id", rid))
        send_headers.extend(custom_headers)
        if stale is not None and cacheable_request:
            send_headers.extend(revalidation_headers(stale))
        started, asked_at = time.perf_counter(), self.cache.clock()  # asked_at: an invalidation after it wins
        trace.origin = behavior.origin
        # a request sent again (upstream/http.py) says why under its id, as a failed connection attempt
        noted = REQUEST_LOG.set(lambda line: self.hooks.logs.record(EDGE_LOG, "", rid, "", "WARN", line))
        try:
            origin = await routing.origins.fetch(
                spec, target, ctx.viewer.method, uri, querystring,
                send_headers, request_body,
            )
        except OriginError as exc:
            trace.origin_ms = (time.perf_counter() - started) * 1000
            self._log_failed_attempts(rid, exc.failed_attempts, target.connection_attempts)
            return self._origin_failed(ctx, exc, stale)
        finally:
            REQUEST_LOG.reset(noted)
        trace.origin_ms = (time.perf_counter() - started) * 1000
        trace.origin_status = origin.status
        if origin.failed_attempts:
            self._log_failed_attempts(rid, origin.failed_attempts, target.connection_attempts)
        try:

            now = self.cache.clock()
            if origin.status == 304 and stale is not None:
                await origin.read()
                entry = refreshed(stale, origin, behavior.cache, now)
                storable, vary = self._variant(ctx, entry.headers)
                # a 304 that sets a cookie (or answers credentials) refreshes this viewer's copy only
                storable = storable and shareable(forwarded, entry.headers, behavior)
                if vary != entry.vary:  # the 304 changed the Vary
                    entry = replace(entry, vary=vary)
                stored = False
                if entry.ttl > 0 and store and storable:
                    stored = self.cache.put(ctx.key, entry, refresh=True, asked_at=asked_at)  # type: ignore[arg-type]
                    ctx.vary = vary
                trace.cache = "refresh-hit"
                response = from_entry(entry, xcache.REFRESH_HIT, now)
                response.cacheable = stored  # not stored (an invalidation meanwhile): not shared either
                return response
            if origin.status >= 500 and stale is not None and may_serve_stale(stale, now):
                await origin.read()
                trace.cache = "stale"
                return from_entry(stale, xcache.HIT, now)

            headers = origin.headers
            status, reason = origin.status, origin.reason
            body_bytes: bytes | None = None
            if ores is not None:
                framing = origin.transfer_encoding  # shown (read-only) as Lambda@Edge shows it, never passed on
                shown = headers if framing is None else [*headers, ("Transfer-Encoding", framing)]
                response_obj = events.response_object(status, reason, shown)
                if ores.include_origin_body:
                    seen, truncated = await read_prefix(origin, ORIGIN_BODY_EXPOSURE)
                    response_obj["body"] = {
                        "inputTruncated": truncated, "action": "read-only", "encoding": "base64",
                        "data": base64.b64encode(seen).decode(),
                    }
                    if not truncated:
                        body_bytes = seen  # else the whole body streams on, unless the function replaces it
                result = await self.hooks.run(ores, rid, origin_request, response_obj)
                if result.run:
                    trace.hooks.append(result.run)
                if result.failure:
                    await discard(origin)
                    return self._hook_failed(result.failure, rid, behavior)
                validated = result.response
                status, reason = validated["status"], validated["statusDescription"]
                headers = from_cf_headers(validated["headers"])
                if framing is not None:  # unchanged (read-only): the edge frames what it sends
                    headers = [(k, v) for k, v in headers if k.lower() != "transfer-encoding"]
                if validated["body"] is not None:
                    await discard(origin)
                    body_bytes = validated["body"]
                    headers = set_length(headers, len(body_bytes))

            if status in NO_CONTENT:  # an origin's (or a kept) body for a 205 is dropped, as a proxy must
                await discard(origin)
                body_bytes = b""
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
            response = EdgeResponse(status, headers, body=body_bytes, x_cache=x_cache, reason=reason)
            if ttl > 0:
                entry = CachedResponse(status, reason, list(headers), body_bytes, stored_at=now, ttl=ttl, vary=vary)
                response.cacheable = self.cache.put(ctx.key, entry, asked_at=asked_at)  # type: ignore[arg-type]
                ctx.vary = vary
            return response
        except OriginError as exc:  # the origin broke off while we read its body
            await origin.aclose()
            return self._origin_failed(ctx, exc, stale)

    def _store_generated(self, ctx: RequestContext, generated: EdgeResponse, store: bool) -> EdgeResponse:
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
    def _variant(ctx: RequestContext, headers: Headers) -> tuple[bool, Vary | None]:
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

    def _log_failed_attempts(self, rid: str, failed: tuple[str, ...], allowed: int) -> None:
        """Each connection attempt that failed and was followed by another, once, under the
        request id (the last one's failure is the request's own: its error, or nothing)."""
        for number, why in enumerate(failed, 1):
            self.hooks.logs.record(EDGE_LOG, "", rid, "", "WARN",
                                   f"connection attempt {number} of {allowed} failed, trying again: {why}")

    def _origin_failed(self, ctx: RequestContext, exc: OriginError, stale: CachedResponse | None) -> EdgeResponse:
        now = self.cache.clock()
        if stale is not None and may_serve_stale(stale, now):
            ctx.trace.cache = "stale"
            return from_entry(stale, xcache.HIT, now)  # stale-if-error
        status = 504 if exc.kind == "timeout" else 502
        ctx.trace.error = exc.result
        sentence = (
            "We can't connect to the server for this app or website at this time."
            if status == 502 else "The origin did not answer in time."
        )
        ctx.trace.cache = "error"
        return self._error_page(ctx.behavior, status, ctx.trace.request_id, sentence, str(exc), xcache.ERROR)
