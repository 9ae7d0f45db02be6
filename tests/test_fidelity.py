"""Lambda@Edge fidelity through the real server: the wire (Date, reason phrases) and the
result rules AWS's own examples rely on."""

from __future__ import annotations

import dataclasses
import json

from edge.config.cache_policy import CachePolicy

from . import modules as M
from .test_pipeline import raw_get, start, status_of

RESPONSE_HEADER_OVERRIDE = M.returning(json.dumps({
    # AWS's "Overriding a response header" example: the whole entry of x-amz-meta-last-modified
    # is copied under the name last-modified, so its key names another header.
    "status": "200", "statusDescription": "OK",
    "headers": {
        "x-amz-meta-last-modified": [{"key": "X-Amz-Meta-Last-Modified", "value": "Thu, 01 Jan 2015 00:00:00 GMT"}],
        "last-modified": [{"key": "X-Amz-Meta-Last-Modified", "value": "Thu, 01 Jan 2015 00:00:00 GMT"}],
    },
}))

TEAPOT_REASON = M.returning(json.dumps({"status": "200", "statusDescription": "Fine And Dandy", "body": "ok"}))


def test_one_date_header_from_an_http_origin(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/*"\norigin = "api"\n')
    reply = raw_get(edge.url, "/dated", [("Host", "x")])
    head = reply.split(b"\r\n\r\n", 1)[0].lower()
    assert head.count(b"\r\ndate: ") == 1  # the origin's; the server adds none of its own


def test_generated_responses_and_error_pages_carry_one_date(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/*"\norigin = "api"\nviewer_request = "gen"\n',
                 {"gen": TEAPOT_REASON})
    r = edge.get("/x")
    assert r.status_code == 200 and len(r.headers.get_list("date")) == 1
    missing = edge.request("DELETE", "/x")  # 403 page made by the edge itself
    assert missing.status_code == 403 and len(missing.headers.get_list("date")) == 1


def test_a_response_without_a_server_header_gets_the_edges_as_cloudfront_sends_its_own(edge_factory, fresh_origin):
    """CloudFront answers `Server: CloudFront` when it made the response or the origin sent
    none; the edge says `edge` (as its error pages do), never the HTTP server underneath."""
    edge = start(edge_factory, fresh_origin,
                 '[[behaviors]]\npath = "/gen*"\norigin = "api"\nviewer_request = "gen"\n\n'
                 '[[behaviors]]\npath = "/echo*"\norigin = "echo"\n\n'  # the built-in echo origin sends no Server
                 '[[behaviors]]\npath = "/*"\norigin = "api"\nforward = { query_strings = "all" }\n',
                 {"gen": TEAPOT_REASON}, extra='[origins.echo]\ntype = "echo"\n')
    assert edge.get("/gen").headers.get_list("server") == ["edge"]  # generated (encoded once, as cache entries are)
    assert edge.get("/echo/a").headers.get_list("server") == ["edge"]  # none from the origin
    own = edge.get("/own", params={"server": "origin-x", "cc": "no-store"})
    assert own.headers.get_list("server")[0] == "origin-x" and "edge" not in own.headers.get_list("server")
    missing = edge.request("DELETE", "/gen")  # an error page made by the edge itself
    assert missing.headers.get_list("server") == ["edge"]


def test_status_description_reaches_the_status_line(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/*"\norigin = "api"\nviewer_request = "gen"\n',
                 {"gen": TEAPOT_REASON})
    reply = raw_get(edge.url, "/x", [("Host", "x")])
    assert reply.startswith(b"HTTP/1.1 200 Fine And Dandy\r\n")


def test_an_overlong_status_description_gives_the_standard_phrase(edge_factory, fresh_origin):
    long_reason = M.returning(json.dumps({"status": "200", "statusDescription": "x" * 70_000, "body": "ok"}))
    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/*"\norigin = "api"\nviewer_request = "gen"\n',
                 {"gen": long_reason})
    reply = raw_get(edge.url, "/x", [("Host", "x")])
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n"), reply[:100]


def test_standard_reason_phrase_when_the_origin_sends_its_own(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/*"\norigin = "api"\nforward = { query_strings = "all" }\n')
    reply = raw_get(edge.url, "/gone?status=404", [("Host", "x")])
    assert status_of(reply) == 404 and reply.startswith(b"HTTP/1.1 404 Not Found\r\n")


def test_aws_override_response_header_example_is_accepted(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/*"\norigin = "api"\nviewer_request = "gen"\n',
                 {"gen": RESPONSE_HEADER_OVERRIDE})
    r = edge.get("/x")
    assert r.status_code == 200, r.text
    assert r.headers["last-modified"] == "Thu, 01 Jan 2015 00:00:00 GMT"
    reply = raw_get(edge.url, "/x", [("Host", "x")])
    assert b"\r\nlast-modified: thu, 01 jan 2015" in reply.lower()  # sent under the map's name


def test_error_pages_keep_internals_off_unless_debug(edge_factory, fresh_origin):
    """CloudFront's wording and the request id on the public page; the operator's detail
    (function, rule, origin address) in the logs under that id, or on the page with debug."""
    behaviors = """
[[behaviors]]
path = "/fail"
origin = "api"
viewer_request = "boom"

[[behaviors]]
path = "/dead"
origin = "dead"

[[behaviors]]
path = "/debug"
origin = "api"
viewer_request = "boom"
debug_errors = true
"""
    edge = start(edge_factory, fresh_origin, behaviors, {"boom": M.HANDLER_ERROR}, debug_errors=False,
                 extra='[origins.dead]\nurl = "http://127.0.0.1:1"\n')
    failed = edge.get("/fail")
    rid = failed.headers["x-amz-cf-id"]
    assert failed.status_code == 503 and "boom:" not in failed.text and "handler_error" not in failed.text
    assert f"edge logs --request-id {rid}" in failed.text
    assert "or doesn't have the required permissions." in failed.text  # CloudFront's sentence, apostrophe as is
    logged = [r.message for r in edge.state.logs.query(request_id=rid)]
    assert any("bad input: 42" in line for line in logged)  # the function's own ERROR line and the failure
    dead = edge.get("/dead")
    assert dead.status_code == 502 and "127.0.0.1:1" not in dead.text
    *attempts, record = edge.state.logs.query(request_id=dead.headers["x-amz-cf-id"])  # 3 connection attempts
    assert [r.level for r in attempts] == ["WARN", "WARN"] and record.level == "ERROR"
    assert record.function == "(edge)" and "127.0.0.1:1" in record.message
    shown = edge.get("/debug")
    assert shown.status_code == 503 and "viewer-request function boom" in shown.text and "bad input: 42" in shown.text


def test_a_behavior_that_caches_nothing_never_serves_an_earlier_entry(edge_factory, fresh_origin):
    """A behavior switched to cache = "disabled" (as PUT /v1/behaviors does) goes to the origin,
    even for paths an earlier behavior cached."""
    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/about/*"\norigin = "api"\n')
    first = edge.get("/about/x")
    assert edge.get("/about/x").headers["x-cache"] == "Hit from edge"
    manifest = edge.state.manifest
    disabled = dataclasses.replace(manifest.behaviors[0], cache=CachePolicy.disabled())
    edge.state.apply_routing(dataclasses.replace(manifest, behaviors=(disabled, *manifest.behaviors[1:])))
    again = edge.get("/about/x")
    assert again.headers["x-cache"] == "Miss from edge" and again.text != first.text
