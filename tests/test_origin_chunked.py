"""An origin that answers with chunked transfer coding: origin-response functions see
`transfer-encoding: chunked` (read-only) as on Lambda@Edge, while the edge frames what it sends
and stores. A real origin streaming its body, the real edge, WAT functions."""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from . import modules as M
from .conftest import ServerThread
from .test_pipeline import events_seen, manifest


async def answer(request: Request) -> Response:
    if request.url.path.endswith("/chunked"):
        async def parts():  # type: ignore[no-untyped-def]
            yield b"chunk one, "
            yield b"chunk two"
        return StreamingResponse(parts(), media_type="text/plain")  # no length: chunked on the wire
    return Response(b"fixed length", media_type="text/plain")


@pytest.fixture(scope="module")
def chunked_origin():
    server = ServerThread(Starlette(routes=[Route("/{path:path}", answer)])).start()
    yield server
    server.stop()


# a result that leaves out every header the origin sent, Transfer-Encoding among them
DROP_HEADERS = M.returning(json.dumps({"status": "200", "headers": {}}))


@pytest.fixture
def edge(edge_factory, chunked_origin):
    behaviors = """
[[behaviors]]
path = "/drop/*"
origin = "api"
origin_response = "drop"

[[behaviors]]
path = "/*"
origin = "api"
origin_response = "pass"
"""
    return edge_factory(manifest(chunked_origin.url, behaviors, {"pass": "", "drop": ""}),
                        {"pass.wat": M.PASS_RESPONSE, "drop.wat": DROP_HEADERS})


def test_origin_response_sees_the_origins_chunked_coding(edge):
    r = edge.get("/chunked")
    assert r.status_code == 200 and r.text == "chunk one, chunk two"
    seen = events_seen(edge, "pass")[-1]["Records"][0]["cf"]["response"]["headers"]
    assert seen["transfer-encoding"] == [{"key": "Transfer-Encoding", "value": "chunked"}]
    # the edge framed the answer itself, and stored it without the origin's coding
    assert r.headers["content-length"] == "20" and "transfer-encoding" not in r.headers
    hit = edge.get("/chunked")
    assert hit.headers["x-cache"] == "Hit from edge" and hit.text == "chunk one, chunk two"
    assert "transfer-encoding" not in hit.headers


def test_a_body_with_a_length_shows_no_coding(edge):
    assert edge.get("/fixed").text == "fixed length"
    seen = events_seen(edge, "pass")[-1]["Records"][0]["cf"]["response"]["headers"]
    assert "transfer-encoding" not in seen and seen["content-length"][0]["value"] == "12"


def test_deleting_the_coding_is_refused_as_on_lambda_at_edge(edge):
    r = edge.get("/drop/chunked")
    assert r.status_code == 502 and r.headers["x-cache"] == "LambdaValidationError from edge"
    assert "rule: read-only-header" in r.text and "(transfer-encoding)" in r.text
    fixed = edge.get("/drop/fixed")  # nothing read-only was there to delete
    assert fixed.status_code == 200 and fixed.text == "fixed length"
