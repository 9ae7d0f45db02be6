"""The admin API: deploy, versions, aliases, behaviors/origins, test invoke and logs.

Served on its own listener (see app.Front), behind AdminGuard (admin_http.py: a bearer token
compared in constant time; no browser requests). Every refusal is JSON
`{"error": {"status", "code", "message"}}` and changes nothing.
Handlers stay thin: the work (blocking) is the control plane's, run off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from .. import names
from ..config.errors import did_you_mean
from ..config.shadowing import unreachable_behaviors
from ..control import convergence
from ..control import nodes as node_registry
from ..control.errors import ControlError, bad_request
from ..control.logs import LogRecord, LogStore
from ..control.routing import SECTIONS
from ..control.store import StoreUnavailable
from ..ops import metrics
from ..pipeline.events import new_request_id
from . import modulecheck, uploads
from .admin_http import (
    EXCEPTION_HANDLERS, MAX_JSON_BYTES, AdminGuard, check_depth, discard_body, error_response, json_response,
    number_param, read_body, read_json, shorten,
)
from .state import EdgeState, ServerOptions

log = logging.getLogger("edge.admin")

SETTINGS_HEADER = "x-edge-settings"
FOLLOW_KEEPALIVE = 15.0


async def query_logs(store: LogStore, function: str | None, request_id: str | None, limit: int) -> list[LogRecord]:
    """The in-memory ring is read on the loop (its only writer); the shared file off it."""
    if store.shared is None:
        return store.query(function, request_id, limit)
    return await asyncio.to_thread(store.query, function, request_id, limit)


async def _watch_gone(request: Request, upload: uploads.Upload) -> None:
    """Once the body is read, the next message is `http.disconnect`: the client went away, and
    the upload's build (seconds of a JavaScript build's process) is stopped, not finished for no one."""
    try:
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                upload.cancelled.set()
                return
    except Exception:  # noqa: BLE001 - the server cannot tell: the build goes on
        return


def _function(request: Request) -> str:
    return _checked(names.check_function, request.path_params["name"])


def _alias(request: Request) -> str:
    return _checked(names.check_alias, request.path_params["alias"])


def _checked(check: Callable[[str], str], value: str) -> str:
    """A name from the path or query, whole (edge/names.py): 400 naming the rule otherwise."""
    try:
        return check(value)
    except names.BadName as exc:
        raise bad_request(str(exc)) from None


def _version_param(request: Request) -> int:
    # "²".isdigit() is true and int("²") fails; int() of thousands of digits raises too
    return number_param(request.path_params["version"], "version", 1, names.MAX_VERSION)


# The query parameters each endpoint takes (method, path template): any other is a 400 naming
# it and these, so a typo (`?aliass=live`) is not a deploy that silently moves no alias. The
# probes and /metrics ignore theirs: a load balancer or scraper may add its own.
QUERY_PARAMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/v1/functions/{name}/versions"): ("alias", "description", "filename", "handler"),
    ("POST", "/v1/functions/{name}/invoke"): ("qualifier",),
    ("GET", "/v1/logs"): ("function", "request_id", "limit", "follow"),
}
ANY_QUERY = frozenset({"/healthz", "/readyz", "/metrics"})


def _check_query(request: Request, method: str, path: str) -> None:
    if path in ANY_QUERY or not request.scope.get("query_string"):
        return
    known = QUERY_PARAMS.get((method, path), ())
    unknown = [key for key in dict.fromkeys(request.query_params.keys()) if key not in known]
    if not unknown:
        return
    shown = ", ".join(shorten(key) for key in unknown)
    what = f"{method} {path}"
    takes = f"it takes {', '.join(known)}" if known else "it takes no query parameters"
    raise ControlError(400, "bad_request", f"unknown query parameter{'s' if len(unknown) > 1 else ''} {shown} for "
                       f"{what}: {takes}{did_you_mean(unknown, known)}",
                       headers={"Connection": "close"} if _has_body(request) else None)


def _has_body(request: Request) -> bool:
    """An unread body stays on the connection when a request is refused before reading it:
    the connection is closed after answering, as the guard does."""
    return request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers


def unknown_keys(what: str, given: dict[str, Any], known: tuple[str, ...]) -> ControlError | None:
    """400 naming the keys of a JSON object `what` does not take, and those it does."""
    unknown = [key for key in given if key not in known]
    if not unknown:
        return None
    shown = ", ".join(shorten(key) for key in unknown)
    return bad_request(f"{what}: unknown key{'s' if len(unknown) > 1 else ''} {shown}; known: "
                       f"{', '.join(known)}{did_you_mean(unknown, known)}")


def _received(value: Any) -> str:
    """A JSON value as a message shows what was received: `"1" (a string)`, `null`, `2.5`."""
    kind = {str: "a string", bool: "a boolean", list: "a list", dict: "an object", float: "a fractional number",
            type(None): "null"}.get(type(value))
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text if len(text) <= 40 else text[:40] + "…"
    return text if kind is None or kind == "null" else f"{text} ({kind})"


def _settings(raw: str | None) -> Any:
    """The X-Edge-Settings header's JSON (the stdlib's parser: it reads integers of any size,
    so a number out of range is refused naming the setting, not as bad JSON)."""
    if not raw:
        return {}
    try:
        settings = json.loads(raw)
    except RecursionError:
        raise bad_request("X-Edge-Settings is not usable JSON: it is nested too deeply", "bad_settings") from None
    except json.JSONDecodeError as exc:
        raise bad_request(f"X-Edge-Settings is not valid JSON: {exc}", "bad_settings") from None
    except ValueError:  # an integer of more digits than Python converts (4,300)
        raise bad_request("X-Edge-Settings is not usable JSON: it holds a number thousands of digits long",
                          "bad_settings") from None
    check_depth(settings, "X-Edge-Settings", "bad_settings")
    return settings


class AdminAPI:
    """Route handlers; `state` is the worker's EdgeState (set by the edge app's lifespan)."""

    def __init__(self, edge_app: Starlette, options: ServerOptions) -> None:
        self.edge_app = edge_app
        self.options = options
        self.uploads = uploads.Uploads(uploads.UploadSettings(
            max_bytes=options.max_upload_bytes,
            max_wat_bytes=min(options.max_wat_upload_bytes, options.max_upload_bytes),
            max_concurrent=options.max_concurrent_uploads,
            build_budget=options.max_upload_bytes,
            spool_dir=uploads.spool_dir(options.state_dir),
        ))

    @property
    def state(self) -> EdgeState:
        return self.edge_app.state.edge

    async def _plane(self, method: str, *args: Any) -> Any:
        state = self.state
        return await state.control(getattr(state.plane, method), *args)

    async def _change(self, method: str, *args: Any) -> tuple[Any, dict[str, Any]]:
        """A change that alters what requests get (routing, an alias, a purge): made and applied
        by this worker, then answered once the node's other workers apply it too (or 2 s have
        passed: the answer's `workers` names those that had not; edge/control/convergence.py)."""
        state = self.state
        plane = state.plane

        def change() -> tuple[Any, int]:
            result = getattr(plane, method)(*args)
            return result, plane.revision  # type: ignore[union-attr]

        result, revision = await state.control(change)
        return result, await self._converge(revision)

    async def _converge(self, revision: int) -> dict[str, Any]:
        state = self.state
        watcher = state.watcher

        async def rows() -> list[dict[str, Any]]:
            return await state.control(state.store.nodes)  # type: ignore[union-attr]

        return await convergence.wait_for_workers(rows, watcher.node if watcher is not None else None, revision,
                                                  self.options.workers)

    async def _read(self, method: str, *args: Any) -> Any:
        state = self.state
        return await state.control(getattr(state.plane.catalog, method), *args)

    # -- functions and versions -------------------------------------------------------------

    async def _deletable(self, value: str, check: Callable[[str], str], function: str | None = None) -> str:
        """A name to delete: one that follows its rule, or one already stored that does not
        (a release before the whole-name check stored `"abc\\n"`): removing it must stay possible."""
        try:
            return check(value)
        except names.BadName:
            pass
        stored = {row["name"]: row for row in await self._read("list_functions")}
        owner = stored.get(function if function is not None else value)
        if owner is not None and (function is None or value in owner["aliases"]):
            return value
        return _checked(check, value)

    async def list_functions(self, request: Request) -> Response:
        return json_response({"functions": await self._read("list_functions")})

    async def describe_function(self, request: Request) -> Response:
        return json_response(await self._read("describe_function", _function(request)))

    async def delete_function(self, request: Request) -> Response:
        name = await self._deletable(request.path_params["name"], names.check_function)
        await self._plane("delete_function", name)
        return json_response({"deleted": {"function": name}})

    async def deploy(self, request: Request) -> Response:
        """Checks first, then the upload pipeline (edge/server/uploads.py): the body to a
        temporary file, its kind, module bytes built within the memory budget (on the upload
        threads; stopped if the client goes away), then publish."""
        received = False
        try:
            name = _function(request)
            alias = request.query_params.get("alias") or None
            if alias is not None:
                _checked(names.check_alias, alias)
            description = request.query_params.get("description", "")
            settings = _settings(request.headers.get(SETTINGS_HEADER))
            async with self.uploads.slot():
                upload = await self._receive_upload(request)
                received = True
                watcher = asyncio.ensure_future(_watch_gone(request, upload))
                try:
                    if not upload.size:
                        raise bad_request("empty upload: send the module (.wasm bytes, WAT text, or JavaScript: "
                                          ".js/.mjs or a .zip) as the request body", "not_wasm")
                    cost = await self.uploads.run(self.uploads.cost, upload)  # may read a text upload
                    async with self.uploads.budget(cost):
                        deployed, revision = await self._build_and_deploy(upload, name, settings, alias,
                                                                          description)
                finally:
                    upload.cancelled.set()  # a build still running (this task was cancelled) stops
                    watcher.cancel()
                    upload.close()
        except ControlError as exc:
            if not received:  # the body is still on the connection: do not read it, close after answering
                exc.headers.setdefault("Connection", "close")
            raise
        workers = await self._converge(revision)  # the upload's slot and budget are free by now
        return json_response(deployed.to_dict() | {"workers": workers}, status=201 if deployed.created else 200)

    async def _receive_upload(self, request: Request) -> uploads.Upload:
        try:
            query = request.query_params
            return await self.uploads.receive(request.stream(), request.headers.get("content-length"),
                                              request.headers.get("content-type", ""), filename=query.get("filename"),
                                              handler=query.get("handler"))
        except ControlError as exc:
            if exc.status == 413:
                await discard_body(request, self.uploads.settings.max_bytes)  # so the client can read the 413
                exc.headers.setdefault("Connection", "close")
            raise

    async def _build_and_deploy(self, upload: uploads.Upload, name: str, settings: Any, alias: str | None,
                                description: str) -> Any:
        """Module bytes from the upload (the upload threads), then the control plane's deploy (its
        threads); a module that cannot run here is refused before it is compiled."""
        built = 0
        try:
            wasm = await self.uploads.build(upload, self.state.runtime.engine.engine)
            built = len(wasm)
            if upload.cancelled.is_set():
                raise uploads.client_gone()
            return await self.state.control(self._deploy, wasm, name, settings, alias, description)
        except ControlError as exc:
            raise modulecheck.refusal(exc) from None
        finally:
            wasm = b""
            if max(upload.size, built) >= uploads.TRIM_ABOVE:
                await self.uploads.run(uploads.give_memory_back, max(upload.size, built))

    def _deploy(self, wasm: bytes, name: str, settings: Any, alias: str | None, description: str) -> Any:
        plane = self.state.plane
        deployed = plane.deploy(name, wasm, settings, alias=alias, description=description)  # type: ignore[union-attr]
        return deployed, plane.revision  # type: ignore[union-attr]

    async def list_versions(self, request: Request) -> Response:
        return json_response({"versions": await self._read("list_versions", _function(request))})

    async def describe_version(self, request: Request) -> Response:
        return json_response(await self._read("describe_version", _function(request), _version_param(request)))

    async def delete_version(self, request: Request) -> Response:
        name, version = _function(request), _version_param(request)
        await self._plane("delete_version", name, version)
        return json_response({"deleted": {"function": name, "version": version}})

    # -- aliases ----------------------------------------------------------------------------

    async def list_aliases(self, request: Request) -> Response:
        described = await self._read("describe_function", _function(request))
        return json_response({"aliases": list(described["aliases"].values())})

    async def put_alias(self, request: Request) -> Response:
        body = await read_json(request, "the alias")
        expected = 'expected {"version": N} or {"version": N, "canary": {"version": M, "weight": 0.1}}'
        if not isinstance(body, dict):
            raise bad_request(f"{expected}, got {_received(body)}")
        refusal = unknown_keys("the alias", body, ("version", "canary"))
        if refusal is not None:
            raise bad_request(f"{refusal.message} ({expected})")
        version = body.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            got = "no version" if "version" not in body else f"got {_received(version)}"
            raise bad_request(f"version must be a version number (a whole number such as 3), {got}")
        canary = body.get("canary")
        target = None
        if canary is not None:
            shape = 'canary must be {"version": M, "weight": W} with W between 0 and 1'
            if not isinstance(canary, dict):
                raise bad_request(f"{shape}, got {_received(canary)}")
            refusal = unknown_keys("canary", canary, ("version", "weight"))
            if refusal is not None:
                raise bad_request(f"{refusal.message} ({shape})")
            missing = [key for key in ("version", "weight") if key not in canary]
            if missing:
                raise bad_request(f"{shape}: {' and '.join(missing)} missing")
            other, weight = canary["version"], canary["weight"]
            if not isinstance(other, int) or isinstance(other, bool):
                raise bad_request(f"{shape}: its version must be a version number, got {_received(other)}")
            if not isinstance(weight, (int, float)) or isinstance(weight, bool):
                raise bad_request(f"{shape}: its weight must be a number, got {_received(weight)}")
            target = (other, float(weight))
        row, workers = await self._change(
            "set_alias", _function(request), _alias(request), version, target
        )
        return json_response(row.to_dict() | {"workers": workers})

    async def delete_alias(self, request: Request) -> Response:
        name = _function(request)
        raw = request.path_params["alias"]
        # a reserved name (`latest`) may be stored from before it was reserved: deleted if it is, else 404
        alias = raw if names.is_alias_syntax(raw) else await self._deletable(raw, names.check_alias, function=name)
        await self._plane("delete_alias", name, alias)
        return json_response({"deleted": {"function": name, "alias": alias}})

    async def rollback(self, request: Request) -> Response:
        row, workers = await self._change("rollback", _function(request), _alias(request))
        return json_response(row.to_dict() | {"workers": workers})

    # -- behaviors and origins --------------------------------------------------------------

    def get_config(self, section: str | None) -> Callable[[Request], Awaitable[Response]]:
        async def get(request: Request) -> Response:
            document = await self._plane("routing_document")
            return json_response(document if section is None else {section: document.get(section)})

        return get

    def put_config(self, section: str | None) -> Callable[[Request], Awaitable[Response]]:
        async def put(request: Request) -> Response:
            body = await read_json(request, "the configuration", hint=" (the API takes JSON; `edge config put "
                                   "FILE.toml` sends a TOML file in the manifest's format as JSON)")
            known = (section,) if section is not None else SECTIONS
            shape = f'{{"{section}": ...}}' if section is not None else '{"origins": {...}, "behaviors": [...]}'
            if not isinstance(body, dict):
                raise bad_request(f"expected a JSON object {shape}, got {_received(body)}")
            # "source" is read-only, as GET shows it: a document read, edited and put back keeps it;
            # so are "workers" and "warnings", as a change's answer shows them
            body = {key: value for key, value in body.items() if key not in ("workers", "warnings")}
            given = {key: value for key, value in body.items() if section is not None or key != "source"}
            refusal = unknown_keys("the configuration", given, known)
            if refusal is not None:
                raise bad_request(f"{refusal.message} (expected {shape})")
            if section is not None and section not in body:
                raise bad_request(f"expected {shape}, got an empty object")
            parsed, workers = await self._change("replace_routing", body)
            warnings = await self._unreachable(request, parsed) if "behaviors" in body else []
            document = await self._plane("routing_document")
            return json_response((document if section is None else {section: document.get(section)})
                                 | {"workers": workers, "warnings": warnings})

        return put

    async def _unreachable(self, request: Request, parsed: Any) -> list[str]:
        """The behaviors just put that can never serve a request (one after another whose
        pattern matches every path its own does), as `edge serve` says them of a manifest:
        applied as given, as CloudFront would, but said in the answer and logged once, here
        (the node's other workers apply the change without a word). Off the event loop: a
        thousand behaviors are half a million pairs."""
        warnings: list[str] = await self.state.control(unreachable_behaviors, parsed.behaviors)
        for line in warnings:
            log.warning("%s %s: warning: %s (applied as given)", request.method, request.url.path, line)
        return warnings

    # -- test invoke ------------------------------------------------------------------------

    async def invoke(self, request: Request) -> Response:
        name = _function(request)
        qualifier = request.query_params.get("qualifier") or None
        if qualifier is not None:
            _checked(names.check_qualifier, qualifier)
        event = await read_body(request, MAX_JSON_BYTES, "the event")
        try:
            parsed = orjson.loads(event)
        except orjson.JSONDecodeError as exc:
            raise bad_request(f"the event is not valid JSON: {exc}", "bad_json") from None
        event_type = _event_type(parsed)
        state = self.state
        published = await self._plane("target", name, qualifier)
        outcome = await state.invoker.invoke(published.function_for(event_type), event)
        request_id = new_request_id()
        state.logs.record_invocation(name, str(published.version), request_id, event_type, outcome)
        return json_response({
            "function": name,
            "version": published.version,
            "request_id": request_id,
            "event_type": event_type,
            "ok": outcome.ok,
            "result": outcome.value if outcome.ok else None,
            "error": None if outcome.ok else {
                "kind": outcome.error.value, "message": outcome.message, "trap_code": outcome.trap_code,  # type: ignore[union-attr]
            },
            "logs": [r.to_dict() for r in await query_logs(state.logs, name, request_id, 1000)],
            "report": {
                "duration_ms": round(outcome.duration_ms, 3),
                "fuel_used": outcome.fuel_used,
                "peak_memory": outcome.peak_memory,
                "line": outcome.report(),
            },
        })

    # -- logs -------------------------------------------------------------------------------

    async def logs(self, request: Request) -> Response:
        params = request.query_params
        function = params.get("function") or None
        unknown: ControlError | None = None
        if function is not None:
            _checked(names.check_function, function)
            try:  # an unknown name is a 404, as `edge logs NAME` says, not an empty list ...
                await self._read("describe_function", function)
            except StoreUnavailable:
                pass  # a fleet node cut off from its database: its own records are shown unchecked
            except ControlError as exc:
                if exc.status != 404:
                    raise
                unknown = exc  # ... unless a deleted function's records are still kept
        request_id = params.get("request_id") or None
        limit = number_param(params.get("limit", "1000"), "limit", 1, 50_000)
        store = self.state.logs
        if params.get("follow") not in ("1", "true", "yes"):
            records = await query_logs(store, function, request_id, limit)
            if unknown is not None and not records:  # no such function, and none with records kept
                raise unknown
            return json_response({"records": [r.to_dict() for r in records]})
        if unknown is not None:
            raise unknown

        async def stream() -> AsyncIterator[bytes]:
            async for record in store.follow(function, request_id, limit, FOLLOW_KEEPALIVE):
                yield b"\n" if record is None else orjson.dumps(record.to_dict()) + b"\n"  # blank: keepalive

        return StreamingResponse(stream(), media_type="application/x-ndjson")

    async def invalidate(self, request: Request) -> Response:
        """Purge cached responses by path pattern in every worker (CloudFront's invalidation)."""
        body = await read_json(request, "invalidation")
        paths = body.get("paths") if isinstance(body, dict) else None
        result, workers = await self._change("invalidate", paths)
        return json_response(result | {"workers": workers}, 201)

    async def healthz(self, request: Request) -> Response:
        """Liveness: the worker's event loop answers."""
        return json_response({"status": "ok", "pid": os.getpid()})

    async def readyz(self, request: Request) -> Response:
        """Readiness: the store is loaded and the functions are instantiated. A worker cut off
        from its store stays ready (200) but says `degraded`: it serves its last known state,
        which beats taking every node out of a load balancer when the database goes away. So
        does one that cannot apply the stored behaviors/origins (it keeps serving the previous
        ones): `not_applied` says why, `applied_revision` is the last it applied in full."""
        state = getattr(self.edge_app.state, "edge", None)
        drain = getattr(self.edge_app.state, "drain", None)
        if state is None or not state.ready or (drain is not None and drain.stopping):
            return json_response({"status": "starting" if state is None else "stopping", "pid": os.getpid()}, 503)
        out = {"status": "ready", "pid": os.getpid(), "functions": len(state.registry.latest)}
        if state.store is not None and not state.store.health.up:
            out |= {"status": "degraded", "store": state.store.health.to_dict(),
                    "revision": state.plane.revision if state.plane else None}
        if state.plane is not None and state.plane.not_applied:
            out |= {"status": "degraded", "not_applied": state.plane.not_applied,
                    "applied_revision": state.plane.applied_revision}
        return json_response(out)

    async def nodes(self, request: Request) -> Response:
        """The node registry: every node sharing this store, its applied revision and health."""
        state = self.state
        return json_response(await state.control(node_registry.describe, state.store))

    async def forget_node(self, request: Request) -> Response:
        """Remove a node that is not live (stopped, or down) from the registry."""
        state = self.state
        return json_response(await state.control(node_registry.forget, state.store, request.path_params["name"]))

    async def metrics(self, request: Request) -> Response:
        """Prometheus exposition (merged across worker processes)."""
        if not self.options.metrics:
            return error_response(404, "not_found", "metrics are disabled (--no-metrics)")
        metrics.update_gauges(self.state)
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    async def openapi(self, request: Request) -> Response:
        """This API described as OpenAPI 3.1 (edge/server/openapi.py)."""
        from .openapi import document

        return json_response(document())

    async def status(self, request: Request) -> Response:
        state = self.state
        loaded = sorted(f"{name}:{number}" for name, versions in state.registry.versions.items() for number in versions)
        compiler = state.plane.compiler  # type: ignore[union-attr]
        optimizing = sorted(f"{name}:{number}" for name, versions in state.registry.versions.items()
                            for number, published in versions.items() if compiler.is_baseline(published.compiled))
        store = state.store
        return json_response({"pid": os.getpid(), "revision": state.plane.revision, "loaded": loaded,  # type: ignore[union-attr]
                      "optimizing": optimizing,
                      "store": store.describe() if store else None,
                      "store_health": store.health.to_dict() if store else None})


def _event_type(event: Any) -> str:
    try:
        kind = event["Records"][0]["cf"]["config"]["eventType"]
    except (KeyError, IndexError, TypeError):
        return "viewer-request"
    if kind not in ("viewer-request", "origin-request", "origin-response", "viewer-response"):
        raise bad_request(f"unknown eventType {kind!r} in the event's Records[0].cf.config")
    return kind


def _route(path: str, methods: dict[str, Callable[[Request], Awaitable[Response]]]) -> Route:
    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        _check_query(request, method, path)
        return await methods[method](request)

    return Route(path, endpoint, methods=list(methods))


def create_admin_app(edge_app: Starlette, options: ServerOptions) -> ASGIApp:
    api = AdminAPI(edge_app, options)
    fn = "/v1/functions/{name}"
    handlers: list[tuple[str, str, Callable[[Request], Awaitable[Response]]]] = [
        ("/v1/functions", "GET", api.list_functions),
        (fn, "GET", api.describe_function),
        (fn, "DELETE", api.delete_function),
        (fn + "/versions", "POST", api.deploy),
        (fn + "/versions", "GET", api.list_versions),
        (fn + "/versions/{version}", "GET", api.describe_version),
        (fn + "/versions/{version}", "DELETE", api.delete_version),
        (fn + "/aliases", "GET", api.list_aliases),
        (fn + "/aliases/{alias}", "PUT", api.put_alias),
        (fn + "/aliases/{alias}", "DELETE", api.delete_alias),
        (fn + "/aliases/{alias}/rollback", "POST", api.rollback),
        (fn + "/invoke", "POST", api.invoke),
        ("/v1/config", "GET", api.get_config(None)),
        ("/v1/config", "PUT", api.put_config(None)),
        ("/v1/behaviors", "GET", api.get_config("behaviors")),
        ("/v1/behaviors", "PUT", api.put_config("behaviors")),
        ("/v1/origins", "GET", api.get_config("origins")),
        ("/v1/origins", "PUT", api.put_config("origins")),
        ("/v1/logs", "GET", api.logs),
        ("/v1/status", "GET", api.status),
        ("/v1/invalidations", "POST", api.invalidate),
        ("/v1/nodes", "GET", api.nodes),
        ("/v1/nodes/{name}", "DELETE", api.forget_node),
        ("/v1/openapi.json", "GET", api.openapi),
        ("/metrics", "GET", api.metrics),
        ("/healthz", "GET", api.healthz),
        ("/readyz", "GET", api.readyz),
    ]
    by_path: dict[str, dict[str, Callable[[Request], Awaitable[Response]]]] = {}
    for path, method, handler in handlers:
        by_path.setdefault(path, {})[method] = handler
    # one route per path, so a method it does not take is a 405 whose Allow names all it does
    routes = [_route(path, methods) for path, methods in by_path.items()]
    app = Starlette(routes=routes, exception_handlers=EXCEPTION_HANDLERS)  # type: ignore[arg-type]
    return AdminGuard(app, options.admin_token)
