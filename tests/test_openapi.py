"""The admin API's OpenAPI description, read from a running server's /v1/openapi.json: a valid
OpenAPI 3.1 document naming every route (and no other), whose schemas the real answers
match, errors included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec
from starlette.routing import Route

from .control_helpers import ControlServer, generated, manifest_text

EVENT = Path(__file__).resolve().parents[1] / "samples" / "events" / "viewer-request.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("openapi")
    (root / "m.toml").write_text(manifest_text())
    s = ControlServer(root / "m.toml", root / "state").start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def spec(server) -> dict:
    response = server.admin.get("/v1/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    return response.json()


def _template(spec: dict, path: str) -> str:
    """The documented path template a concrete path matches."""
    for template in spec["paths"]:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template
    raise AssertionError(f"{path} is not documented")


def check(spec: dict, response, method: str | None = None):  # type: ignore[no-untyped-def]
    """Validate an answer against the schema documented for its path, method and status."""
    method = (method or response.request.method).lower()
    template = _template(spec, response.request.url.path)
    operation = spec["paths"][template].get(method)
    assert operation is not None, f"{method.upper()} {template} is not documented"
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method.upper()} {template}: status {response.status_code} is not documented"
    media = response.headers.get("content-type", "").split(";")[0]
    schema = documented["content"][media]["schema"]
    if media == "application/json":
        OAS31Validator(dict(schema, components=spec["components"])).validate(response.json())
    return response


def test_the_document_is_valid_openapi_3_1(spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.1") and spec["info"]["title"] == "edge admin API"
    assert spec["paths"]["/healthz"]["get"]["security"] == []  # probes carry no token


def test_every_admin_route_is_documented_and_nothing_else(server, spec):
    guard = server.app.admin  # AdminGuard around the admin Starlette app
    routes = {(route.path, method.lower()) for route in guard.app.routes if isinstance(route, Route)
              for method in route.methods if method not in ("HEAD",)}
    documented = {(path, method) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "put", "post", "delete", "patch")}
    assert routes - documented == set(), "admin routes missing from edge/server/openapi.py"
    assert documented - routes == set(), "documented operations the admin API does not have"


def test_real_answers_match_the_schemas(server, spec):
    admin = server.admin
    check(spec, admin.post("/v1/functions/doc/versions", content=generated("one").encode(), params={"alias": "live"}))
    check(spec, admin.post("/v1/functions/doc/versions", content=generated("one").encode()))  # 200: unchanged
    check(spec, admin.post("/v1/functions/doc/versions", content=generated("two").encode()))
    check(spec, admin.get("/v1/functions"))
    check(spec, admin.get("/v1/functions/doc"))
    check(spec, admin.get("/v1/functions/doc/versions"))
    check(spec, admin.get("/v1/functions/doc/versions/1"))
    check(spec, admin.put("/v1/functions/doc/aliases/live", json={"version": 1, "canary": {"version": 2, "weight": 0.1}}))
    check(spec, admin.get("/v1/functions/doc/aliases"))
    check(spec, admin.post("/v1/functions/doc/aliases/live/rollback"))
    check(spec, admin.post("/v1/functions/doc/invoke", content=EVENT.read_bytes(), params={"qualifier": "live"}))
    check(spec, admin.get("/v1/logs", params={"function": "doc", "limit": 10}))
    routing = check(spec, admin.get("/v1/config")).json()
    check(spec, admin.put("/v1/config", json={"behaviors": routing["behaviors"], "origins": routing["origins"]}))
    check(spec, admin.get("/v1/behaviors"))
    check(spec, admin.get("/v1/origins"))
    check(spec, admin.post("/v1/invalidations", json={"paths": ["/x/*"]}))
    check(spec, admin.get("/v1/status"))
    check(spec, admin.get("/metrics"))
    check(spec, admin.get("/healthz"))
    check(spec, admin.get("/readyz"))
    check(spec, admin.get("/v1/openapi.json"))
    check(spec, admin.delete("/v1/functions/doc/aliases/live"))
    check(spec, admin.delete("/v1/functions/doc/versions/1"))
    check(spec, admin.delete("/v1/functions/doc"))
    # refusals have the documented Error shape
    check(spec, admin.get("/v1/functions/nope"))
    check(spec, admin.put("/v1/functions/nope/aliases/live", json={"version": "x"}))
    check(spec, admin.post("/v1/functions/bad/versions", content=b"not wasm"))
    check(spec, server.edge.__class__(base_url=server.admin_url).get("/v1/functions"))  # no token: 401
