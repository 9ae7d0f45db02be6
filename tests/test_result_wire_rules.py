"""Function results and origin answers the wire could not carry as given (found by a hostile
trial): content in a 205 or 304 (RFC 9110 forbids it, as in a 204), a `uri` the front door would
refuse or normalise from a viewer, and a body given to a GET or HEAD. Real Hypercorn edge and
origin on loopback, real Wasm functions (WAT), raw sockets where the bytes on the wire matter."""

from __future__ import annotations

import json

import pytest

from . import modules as M
from .test_access_log_refusals import header
from .test_pipeline import HOST, body_of, invocations, origin_result, raw_get, request_result, start, status_of


def fixed(obj: dict) -> str:
    return M.returning(json.dumps(obj))


def assert_refused(reply, rule: str) -> None:  # type: ignore[no-untyped-def]
    """A 502 LambdaValidationError page naming `rule` (the tests run with --debug-errors)."""
    assert reply.status_code == 502, reply.text[:400]
    assert reply.headers["x-cache"] == "LambdaValidationError from edge", reply.headers
    assert f"rule: {rule}" in reply.text, reply.text


# -- 205 and 304 carry no content -------------------------------------------------------------


@pytest.mark.parametrize("status", ["204", "205", "304"])
@pytest.mark.parametrize("hook", ["viewer_request", "origin_request", "origin_response"])
def test_a_function_body_with_a_no_content_status_is_refused(edge_factory, fresh_origin, hook, status):
    edge = start(edge_factory, fresh_origin, f'[[behaviors]]\npath = "/n/*"\norigin = "api"\n{hook} = "fn"\n',
                 {"fn": fixed({"status": status, "headers": {}, "body": "abc"})})
    assert_refused(edge.get("/n/x"), f"{status}-body")


def test_a_generated_205_goes_out_without_content(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/n/*"\norigin = "api"\nviewer_request = "fn"\n',
                 {"fn": fixed({"status": "205"})})
    reply = raw_get(edge.url, "/n/x", [("Host", "x")])
    assert reply.startswith(b"HTTP/1.1 205 "), reply
    assert header(reply, "content-length") == "0" and body_of(reply) == b"", reply


@pytest.mark.parametrize("status", ["204", "205", "304"])
@pytest.mark.parametrize("hook", ["origin_response", "viewer_response"])
def test_a_response_function_that_changes_the_status_to_no_content_drops_the_body(edge_factory, fresh_origin,
                                                                                   hook, status):
    """The origin's 200 made a 205 (viewer-response with `allow_status_change`) keeps no
    content, nor does a 204 or 304."""
    setting = '{ function = "fn", allow_status_change = true }' if hook == "viewer_response" else '"fn"'
    edge = start(edge_factory, fresh_origin, f'[[behaviors]]\npath = "/*"\norigin = "api"\n{hook} = {setting}\n'
                 'cache = "disabled"\n', {"fn": fixed({"status": status, "headers": {}})})
    reply = raw_get(edge.url, "/x", [("Host", "x")])
    assert reply.startswith(f"HTTP/1.1 {status} ".encode()), reply
    assert body_of(reply) == b"", reply
    assert header(reply, "content-length") == "0" if status == "205" else b"content-length" not in reply.lower()
    assert fresh_origin.hits["/x"] == 1


@pytest.mark.parametrize("path", ["/x?status=205",  # a small body, buffered
                                  "/big/x?status=205&n=400000"])  # too big to buffer: the origin's body streams
def test_an_origins_205_loses_its_content(edge_factory, fresh_origin, path):
    """The origin (Starlette) sends its 205 with a body; the edge, as a proxy must, drops it."""
    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/*"\norigin = "api"\n'
                 'forward = { query_strings = "all" }\n')
    reply = raw_get(edge.url, path, [("Host", "x")])
    assert reply.startswith(b"HTTP/1.1 205 "), reply[:300]
    assert header(reply, "content-length") == "0" and body_of(reply) == b"", reply[:300]
    assert fresh_origin.hits[path.split("?")[0]] == 1
