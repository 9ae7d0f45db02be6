"""The admin API described as OpenAPI 3.1, served at `GET /v1/openapi.json` on the admin
listener, so clients can be generated and requests checked. The tests check that every
admin route is described here (and nothing else), and validate real answers against these
schemas: a route added without its description fails them."""

from __future__ import annotations

from functools import cache
from importlib import metadata
from typing import Any

from .. import names
from ..config.functions import MAX_PREWARM

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: dict[str, Any] | str, description: str = "OK", status: str = "200") -> dict[str, Any]:
    body = _ref(schema) if isinstance(schema, str) else schema
    return {status: {"description": description, "content": {JSON: {"schema": body}}}}


def _errors(*statuses: int) -> dict[str, Any]:
    reasons = {400: "Bad request (the message says what is wrong)", 401: "Missing or wrong bearer token",
               403: "Refused: a web page (Origin header) or a non-loopback Host without a token",
               404: "No such function, version, alias or node",
               409: "Conflict (still in use, no earlier target, or a live node)",
               413: "Upload larger than the limit", 422: "Not a usable module (the message names the reason)",
               503: "The store is busy; try again",
               507: "The server ran out of disk space: nothing was changed; free space and try again"}
    out = {str(code): {"description": reasons[code], "content": {JSON: {"schema": _ref("Error")}}}
           for code in (401, 403, *statuses)}
    return out


NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}, "description": "Function name"}
VERSION = {"name": "version", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": names.MAX_VERSION}}
ALIAS = {"name": "alias", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "Alias name (letters, digits, '_' and '-'; not only digits)"}


def _schemas() -> dict[str, Any]:
    number = {"type": "number"}
    workers = {"$ref": "#/components/schemas/Workers",
               "description": "A change's answer: which of this node's workers serve it (edge/control/convergence.py)"}
    settings = {
        "type": "object",
        "properties": {
            "isolation": {"enum": ["per-request", "reuse"]},
            "limits": {"type": "object", "properties": {
                "fuel": {"type": "integer"}, "timeout_ms": {"type": "integer"}, "memory_bytes": {"type": "integer"},
                "max_result_bytes": {"type": "integer"}, "max_log_bytes": {"type": "integer"}}},
            "env": {"type": "object", "additionalProperties": {"type": "string"}},
            "concurrency": {"type": "integer", "minimum": 0},
            "prewarm": {"type": "integer", "minimum": 0, "maximum": MAX_PREWARM},
            "max_reuse": {"type": "integer", "minimum": 1},
        },
    }
    alias = {
        "type": "object",
        "required": ["function", "name", "version", "canary", "updated"],
        "properties": {
            "function": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "integer"},
            "canary": {"oneOf": [{"type": "null"}, _ref("Canary")]},
            "updated": number, "workers": workers,
        },
    }
    version = {
        "type": "object",
        "required": ["function", "version", "sha256", "size", "abi", "settings", "description", "origin", "created"],
        "properties": {
            "function": {"type": "string"}, "version": {"type": "integer"}, "sha256": {"type": "string"},
            "size": {"type": "integer"}, "abi": {"type": "string"}, "settings": _ref("Settings"),
            "description": {"type": "string"}, "origin": {"enum": ["api", "manifest"]}, "created": number,
            "loaded": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                "from_artifact": {"type": "boolean"}, "load_ms": number, "optimized": {"type": "boolean"}}}],
                "description": "How this worker loaded it; null while not loaded"},
            "aliases": {"type": "array", "items": {"type": "string"}, "description": "Single-version answers only"},
        },
    }
    log_record = {
        "type": "object",
        "required": ["time", "function", "version", "request_id", "event_type", "level", "message"],
        "properties": {"time": number, "function": {"type": "string"}, "version": {"type": "string"},
                       "request_id": {"type": "string"}, "event_type": {"type": "string"},
                       "level": {"type": "string", "description": "START, END, REPORT, ERROR or the function's level"},
                       "message": {"type": "string"}},
    }
    routing = {"type": "object", "properties": {
        "origins": {"type": "object", "description": "The manifest's [origins], as JSON"},
        "behaviors": {"type": "array", "items": {"type": "object"}, "description": "The manifest's [[behaviors]]"},
        "source": {"enum": ["manifest", "api"]}, "workers": workers}}
    return {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["status", "code", "message"],
            "properties": {"status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"}}}}},
        "Settings": settings,
        "Canary": {"type": "object", "required": ["version", "weight"], "properties": {
            "version": {"type": "integer", "minimum": 1, "maximum": names.MAX_VERSION},
            "weight": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}}},
        "Alias": alias,
        "AliasTarget": {"type": "object", "required": ["version"], "additionalProperties": False, "properties": {
            "version": {"type": "integer"}, "canary": _ref("Canary")}},
        "Version": version,
        "FunctionSummary": {"type": "object", "required": ["name", "latest", "versions", "aliases", "references"],
                            "properties": {"name": {"type": "string"},
                                           "latest": {"type": ["integer", "null"]},
                                           "versions": {"type": "integer"},
                                           "aliases": {"type": "object", "additionalProperties": _ref("Alias")},
                                           "references": {"type": "array", "items": {"type": "string"}}}},
        "Function": {"type": "object", "required": ["name", "latest", "versions", "aliases", "references"],
                     "properties": {"name": {"type": "string"}, "latest": {"type": ["integer", "null"]},
                                    "versions": {"type": "array", "items": _ref("Version")},
                                    "aliases": {"type": "object", "additionalProperties": _ref("Alias")},
                                    "references": {"type": "array", "items": {"type": "string"}}}},
        "Deployed": {"type": "object", "required": [*version["required"], "compile_ms"], "properties": {
            **version["properties"],
            "created": {"type": "boolean", "description": "false: identical to the latest version, which was reused"},
            "compile_ms": number, "from_artifact": {"type": "boolean"},
            "alias": {"oneOf": [{"type": "null"}, _ref("Alias")]},
            "optimizing": {"type": "boolean", "description": "serving baseline code until the optimized code is in"},
            "workers": workers,
        }},
        "Deleted": {"type": "object", "required": ["deleted"], "properties": {"deleted": {"type": "object"}}},
        "Routing": routing,
        "RoutingChange": {"type": "object", "required": ["workers", "warnings"], "properties": {
            **routing["properties"],
            "warnings": {"type": "array", "items": {"type": "string"}, "description": (
                "The behaviors put that can never serve a request, one line each (listed after one whose "
                "path pattern matches every path theirs does), as `edge serve` warns of a manifest's: applied "
                "as given; empty when none is, or when no behaviors were put")}}},
        "InvokeResult": {"type": "object",
                         "required": ["function", "version", "request_id", "event_type", "ok", "result", "error",
                                      "logs", "report"],
                         "properties": {
            "function": {"type": "string"}, "version": {"type": "integer"}, "request_id": {"type": "string"},
            "event_type": {"type": "string"}, "ok": {"type": "boolean"},
            "result": {"description": "The function's result JSON (null on failure)"},
            "error": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                "kind": {"type": "string"}, "message": {"type": "string"},
                "trap_code": {"type": ["string", "null"]}}}]},
            "logs": {"type": "array", "items": _ref("LogRecord")},
            "report": {"type": "object", "properties": {"duration_ms": number, "fuel_used": {"type": "integer"},
                                                        "peak_memory": {"type": "integer"}, "line": {"type": "string"}}},
        }},
        "LogRecord": log_record,
        "Invalidation": {"type": "object", "required": ["id", "paths"], "properties": {
            "id": {"type": "integer"}, "paths": {"type": "array", "items": {"type": "string"}}, "workers": workers}},
        "Workers": {"type": "object", "required": ["revision", "live", "applied", "converged", "behind", "waited_ms"],
                    "properties": {
            "revision": {"type": "integer", "description": "the store revision the change made"},
            "live": {"type": "integer", "description": "this node's live workers, the answering one included"},
            "applied": {"type": ["integer", "null"], "description": "how many of them serve the change"},
            "converged": {"type": "boolean", "description": "every live worker serves it (a wait of at most 2 s)"},
            "behind": {"type": "array", "items": {"type": "object", "properties": {
                "pid": {"type": "integer"}, "applied_revision": {"type": "integer"}, "heartbeat_age": number}}},
            "waited_ms": number,
            "error": {"type": "string", "description": "the node registry could not be read: nothing was waited for"}}},
        "Status": {"type": "object", "required": ["pid", "revision", "loaded"], "properties": {
            "pid": {"type": "integer"}, "revision": {"type": "integer"},
            "loaded": {"type": "array", "items": {"type": "string"}, "description": "function:version loaded here"},
            "optimizing": {"type": "array", "items": {"type": "string"},
                           "description": "function:version still serving baseline code while the optimizing compile runs"},
            "store": {"type": ["string", "null"], "description": "the store: a directory, or a URL without its password"},
            "store_health": {"type": ["object", "null"]}}},
        "Health": {"type": "object", "required": ["status", "pid"], "properties": {
            "status": {"enum": ["ok", "ready", "starting", "stopping", "degraded"]}, "pid": {"type": "integer"},
            "functions": {"type": "integer"},
            "not_applied": {"type": "string", "description": "degraded: why the stored behaviors/origins are not "
                            "applied here (the previous ones are served)"},
            "applied_revision": {"type": "integer", "description": "with not_applied: the last revision applied "
                                 "in full"}}},
        "Nodes": {"type": "object", "required": ["revision", "store", "nodes"], "properties": {
            "revision": {"type": "integer", "description": "the store's revision now"},
            "store": {"enum": ["sqlite", "postgresql"]},
            "nodes": {"type": "array", "items": {"type": "object", "required": [
                "name", "address", "applied_revision", "last_heartbeat", "health", "release", "workers"], "properties": {
                "name": {"type": "string"}, "address": {"type": ["string", "null"]},
                "admin_address": {"type": ["string", "null"]}, "applied_revision": {"type": "integer"},
                "last_heartbeat": {"type": "number"}, "heartbeat_age": {"type": "number"},
                "health": {"enum": ["ok", "behind", "down", "stopped"]},
                "reason": {"type": ["string", "null"], "description": "why it is behind (stored behaviors/origins "
                           "it cannot apply), and a name another node process uses"},
                "same_name": {"type": "integer", "description": "node processes listed under this name (2+: each "
                              "has its own entry)"},
                "release": {"type": ["string", "null"], "description": "the release the node runs (edge --version); "
                            "null for a node of a release that did not record it"},
                "workers": {"type": "array", "items": {"type": "object", "properties": {
                    "host": {"type": "string"}, "pid": {"type": "integer"}, "applied_revision": {"type": "integer"},
                    "heartbeat_age": {"type": "number"}, "stopped": {"type": "boolean"},
                    "release": {"type": ["string", "null"]},
                    "not_applied": {"type": ["string", "null"], "description": "why this worker serves "
                                    "behaviors/origins other than the stored ones (PostgreSQL store)"}}}}}}}}},
    }


def _paths() -> dict[str, Any]:
    fn = "/v1/functions/{name}"
    routing_body = {"required": True, "content": {JSON: {"schema": _ref("Routing")}}}
    event_body = {"required": True, "description": "A Lambda@Edge event; Records[0].cf.config.eventType picks the hook",
                  "content": {JSON: {"schema": {"type": "object"}}}}
    public = {"security": []}
    return {
        "/v1/functions": {"get": {"operationId": "listFunctions", "summary": "List deployed functions",
                                  "responses": {**_ok({"type": "object", "required": ["functions"], "properties": {
                                      "functions": {"type": "array", "items": _ref("FunctionSummary")}}}),
                                      **_errors()}}},
        fn: {
            "parameters": [NAME],
            "get": {"operationId": "describeFunction", "summary": "A function, its versions and aliases",
                    "responses": {**_ok("Function"), **_errors(404)}},
            "delete": {"operationId": "deleteFunction", "summary": "Delete a function (refused while a behavior uses it)",
                       "responses": {**_ok("Deleted"), **_errors(404, 409, 507)}},
        },
        fn + "/versions": {
            "parameters": [NAME],
            "get": {"operationId": "listVersions", "summary": "A function's versions",
                    "responses": {**_ok({"type": "object", "required": ["versions"], "properties": {
                        "versions": {"type": "array", "items": _ref("Version")}}}), **_errors(404)}},
            "post": {
                "operationId": "deploy", "summary": "Publish a new immutable version (the body is the module)",
                "parameters": [
                    {"name": "alias", "in": "query", "schema": {"type": "string"},
                     "description": "Point this alias at the new version"},
                    {"name": "description", "in": "query", "schema": {"type": "string"}},
                    {"name": "filename", "in": "query", "schema": {"type": "string"},
                     "description": "JavaScript: the uploaded file's name (.js, .mjs, .zip) when its type is not detected"},
                    {"name": "handler", "in": "query", "schema": {"type": "string"},
                     "description": "JavaScript: the handler, file.function"},
                    {"name": "X-Edge-Settings", "in": "header", "schema": {"type": "string"},
                     "description": "JSON of the version's settings (Settings schema)"},
                ],
                "requestBody": {"required": True, "content": {
                    "application/wasm": {"schema": {"type": "string", "format": "binary"}},
                    "text/plain": {"schema": {"type": "string", "description": "WebAssembly text (WAT)"}}}},
                "responses": {**_ok("Deployed", "Identical to the latest version: nothing new published"),
                              **_ok("Deployed", "Published", "201"), **_errors(400, 413, 422, 507)},
            },
        },
        fn + "/versions/{version}": {
            "parameters": [NAME, VERSION],
            "get": {"operationId": "describeVersion", "summary": "One version",
                    "responses": {**_ok("Version"), **_errors(400, 404)}},
            "delete": {"operationId": "deleteVersion", "summary": "Delete a version (refused while used)",
                       "responses": {**_ok("Deleted"), **_errors(400, 404, 409, 507)}},
        },
        fn + "/aliases": {"parameters": [NAME], "get": {
            "operationId": "listAliases", "summary": "A function's aliases",
            "responses": {**_ok({"type": "object", "required": ["aliases"], "properties": {
                "aliases": {"type": "array", "items": _ref("Alias")}}}), **_errors(404)}}},
        fn + "/aliases/{alias}": {
            "parameters": [NAME, ALIAS],
            "put": {"operationId": "putAlias", "summary": "Point an alias at a version, optionally with a canary",
                    "requestBody": {"required": True, "content": {JSON: {"schema": _ref("AliasTarget")}}},
                    "responses": {**_ok("Alias"), **_errors(400, 404, 507)}},
            "delete": {"operationId": "deleteAlias", "summary": "Delete an alias (refused while a behavior uses it)",
                       "responses": {**_ok("Deleted"), **_errors(404, 409, 507)}},
        },
        fn + "/aliases/{alias}/rollback": {"parameters": [NAME, ALIAS], "post": {
            "operationId": "rollback", "summary": "Point the alias back where it was before its last move",
            "responses": {**_ok("Alias"), **_errors(404, 409, 507)}}},
        fn + "/invoke": {"parameters": [NAME], "post": {
            "operationId": "invoke", "summary": "Run a deployed version on an event (test invoke)",
            "parameters": [{"name": "qualifier", "in": "query", "schema": {"type": "string"},
                            "description": "Version number or alias (default: latest)"}],
            "requestBody": event_body, "responses": {**_ok("InvokeResult"), **_errors(400, 404, 413)}}},
        "/v1/config": {
            "get": {"operationId": "getConfig", "summary": "Behaviors and origins in effect",
                    "responses": {**_ok("Routing"), **_errors()}},
            "put": {"operationId": "putConfig", "summary": "Replace behaviors and/or origins (validated as a whole)",
                    "requestBody": routing_body, "responses": {**_ok("RoutingChange"), **_errors(400, 507)}},
        },
        "/v1/behaviors": {
            "get": {"operationId": "getBehaviors", "responses": {**_ok("Routing"), **_errors()}},
            "put": {"operationId": "putBehaviors", "requestBody": routing_body,
                    "responses": {**_ok("RoutingChange"), **_errors(400, 507)}},
        },
        "/v1/origins": {
            "get": {"operationId": "getOrigins", "responses": {**_ok("Routing"), **_errors()}},
            "put": {"operationId": "putOrigins", "requestBody": routing_body,
                    "responses": {**_ok("RoutingChange"), **_errors(400, 507)}},
        },
        "/v1/logs": {"get": {
            "operationId": "logs", "summary": "Log records (NDJSON stream with follow=1)",
            "parameters": [
                {"name": "function", "in": "query", "schema": {"type": "string"}},
                {"name": "request_id", "in": "query", "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50000}},
                {"name": "follow", "in": "query", "schema": {"enum": ["1", "true", "yes"]}},
            ],
            "responses": {"200": {"description": "Records, or with follow a stream of them (blank lines: keepalive)",
                                  "content": {JSON: {"schema": {"type": "object", "required": ["records"],
                                                                "properties": {"records": {
                                                                    "type": "array", "items": _ref("LogRecord")}}}},
                                              "application/x-ndjson": {"schema": _ref("LogRecord")}}},
                          **_errors(400)}}},
        "/v1/status": {"get": {"operationId": "status", "summary": "This worker: store revision, loaded versions",
                               "responses": {**_ok("Status"), **_errors()}}},
        "/v1/nodes": {"get": {"operationId": "nodes", "summary": "The nodes sharing this store and their health",
                              "responses": {**_ok("Nodes"), **_errors()}}},
        "/v1/nodes/{name}": {"delete": {
            "operationId": "forgetNode",
            "summary": "Remove a node that is not live (stopped, or no heartbeat for 15 s) from the registry",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                            "description": "Node name (as edge nodes lists it)"}],
            "responses": {**_ok({"type": "object", "required": ["deleted"], "properties": {"deleted": {
                "type": "object", "required": ["node", "workers"], "properties": {
                    "node": {"type": "string"}, "workers": {"type": "integer", "description": "rows removed"}}}}}),
                          **_errors(400, 404, 409)}}},
        "/v1/invalidations": {"post": {
            "operationId": "invalidate", "summary": "Purge cached responses by path pattern in every worker",
            "requestBody": {"required": True, "content": {JSON: {"schema": {
                "type": "object", "required": ["paths"],
                "properties": {"paths": {"type": "array", "items": {"type": "string"}, "maxItems": 3000}}}}}},
            "responses": {**_ok("Invalidation", "Accepted", "201"), **_errors(400, 507)}}},
        "/v1/openapi.json": {"get": {"operationId": "openapi", "summary": "This description",
                                     "responses": {**_ok({"type": "object"}), **_errors()}}},
        "/metrics": {"get": {"operationId": "metrics", "summary": "Prometheus metrics (all workers)",
                             "responses": {"200": {"description": "Prometheus text exposition",
                                                   "content": {"text/plain": {"schema": {"type": "string"}}}},
                                           **_errors(404)}}},
        "/healthz": {"get": {"operationId": "healthz", "summary": "Liveness (no token needed)", **public,
                             "responses": _ok("Health")}},
        "/readyz": {"get": {"operationId": "readyz", "summary": "Readiness (no token needed)", **public,
                            "responses": {**_ok("Health"), **_ok("Health", "Starting or stopping", "503")}}},
    }


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document (built once per process)."""
    try:
        version = metadata.version("edge-wasm")
    except metadata.PackageNotFoundError:  # running from a checkout without an install
        version = "0"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "edge admin API",
            "version": version,
            "description": "Deploy versions, move aliases, replace behaviors, test invoke, read logs. Served on "
                           "the admin listener (by default the edge port + 1); a bearer token is required when "
                           "the server has one. Errors are {\"error\": {status, code, message}}.",
        },
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "The server's --admin-token (EDGE_ADMIN_TOKEN)"}},
            "schemas": _schemas(),
        },
        "paths": _paths(),
    }
