"""Function results and origin answers the wire could not carry as given (found by a hostile
trial): content in a 205 or 304 (RFC 9110 forbids it, as in a 204), a `uri` the front door would
refuse or normalise from a viewer, and a body given to a GET or HEAD. Real Hypercorn edge and
origin on loopback, real Wasm functions (WAT), raw sockets where the bytes on the wire matter."""

from __future__ import annotations

import json

import pytest

from . import modules as M
from .test_access_log_refusals import header
from .test_origins import custom
from .test_pipeline import (
    HOST,
    body_of,
    invocations,
    origin_result,
    raw_get,
    request_result,
    start,
    status_of,
)


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


# -- a function's uri is held to the front door's rules ---------------------------------------


def uri_setter(hook: str, origin, uri: str, **extra) -> str:  # type: ignore[no-untyped-def]
    """A viewer-request or origin-request function that sets the request's uri (and `extra`)."""
    if hook == "viewer_request":
        return request_result(uri, **extra)
    return origin_result(origin.server.url.removeprefix("http://"), uri=uri,
                         origin=custom("127.0.0.1", origin.server.port), **extra)


@pytest.mark.parametrize("uri", ["/a%", "/%zz", "/a%4", "/a\\b", '/a"b', "/a{b}"])
@pytest.mark.parametrize("hook", ["viewer_request", "origin_request"])
def test_a_uri_the_front_door_refuses_is_refused_from_a_function(edge_factory, fresh_origin, hook, uri):
    """Malformed escapes and characters that must be percent-encoded: a viewer's path with them
    is a 400 at the front door; a function's uri with them a 502 naming the rule, never sent."""
    edge = start(edge_factory, fresh_origin, f'[[behaviors]]\npath = "/u/*"\norigin = "api"\n{hook} = "fn"\n',
                 {"fn": uri_setter(hook, fresh_origin, uri)})
    reply = edge.get("/u/x", headers={"host": "x"})
    assert_refused(reply, "uri")
    assert repr(uri) in reply.text and "front door" in reply.text, reply.text
    assert not fresh_origin.requests


@pytest.mark.parametrize("uri, sent", [("/x/../y", "/y"), ("/x/%2e%2e/%2E%2e/secret", "/secret"),
                                       ("/a/./b/.", "/a/b/"), ("/%7Euser/%41", "/~user/A"), ("/..", "/")])
@pytest.mark.parametrize("hook", ["viewer_request", "origin_request"])
def test_a_functions_uri_is_normalised_as_a_viewers_path(edge_factory, fresh_origin, hook, uri, sent):
    """Dot segments (plain or escaped) are removed and unreserved escapes decoded, so the origin,
    the cache and later hooks see the path a viewer sending the same target would have."""
    later = '\norigin_request = "seen"' if hook == "viewer_request" else ""
    edge = start(edge_factory, fresh_origin, f'[[behaviors]]\npath = "/u/*"\norigin = "api"\n{hook} = "fn"{later}\n',
                 {"fn": uri_setter(hook, fresh_origin, uri), "seen": M.PASS_REQUEST})
    reply = raw_get(edge.url, "/u/x", [("Host", "x")])
    assert status_of(reply) == 200, reply.decode("latin-1")[-1500:]
    assert [r["path"] for r in fresh_origin.requests] == [sent]
    if later:  # the origin-request function was given the normalised uri
        [event] = [json.loads(r.message) for r in edge.state.logs.query(function="seen") if r.level == "DEBUG"]
        assert event["Records"][0]["cf"]["request"]["uri"] == sent


# -- a GET or HEAD carries no body --------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("hook", ["viewer_request", "origin_request"])
def test_a_function_cannot_give_a_get_or_head_a_body(edge_factory, fresh_origin, hook, method):
    """The front door refuses a viewer's GET or HEAD body (403): its answer would be cached under
    a key that ignores it. A function that gives one a body is refused likewise (502), and
    nothing reaches the origin or the cache."""
    replace = {"action": "replace", "encoding": "text", "data": "BODY"}
    edge = start(edge_factory, fresh_origin, f'[[behaviors]]\npath = "/u/*"\norigin = "api"\n'
                 f'{hook} = {{ function = "fn", include_body = true }}\n',
                 {"fn": uri_setter(hook, fresh_origin, "/u/x", method=method, body=replace)})
    for _ in range(2):
        reply = edge.request(method, "/u/x", headers={"host": "x"})  # the Host the function keeps
        assert reply.status_code == 502 and reply.headers["x-cache"] == "LambdaValidationError from edge"
        if method == "GET":
            assert "rule: body-method" in reply.text and "GET request" in reply.text, reply.text
    assert not fresh_origin.requests and len(invocations(edge, "fn")) == 2


def test_an_empty_body_on_a_get_and_a_body_on_a_post_pass(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/g/*"\norigin = "api"\n'
                 'viewer_request = { function = "empty", include_body = true }\n\n'
                 '[[behaviors]]\npath = "/p/*"\norigin = "api"\n'
                 'methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]\n'
                 'viewer_request = { function = "post", include_body = true }\n',
                 {"empty": request_result("/g/x", body={"action": "replace", "encoding": "text", "data": ""}),
                  "post": request_result("/p/x", "POST", body={"action": "replace", "encoding": "text", "data": "BODY"},
                                         headers={**HOST, "content-length": [{"key": "Content-Length", "value": "8"}]})})
    assert edge.get("/g/x", headers={"host": "x"}).status_code == 200
    assert edge.request("POST", "/p/x", content=b"original", headers={"host": "x"}).status_code == 200
    assert [(r["method"], r["body"]) for r in fresh_origin.requests] == [("GET", b""), ("POST", b"BODY")]
