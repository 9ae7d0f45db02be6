"""The Lambda@Edge lifecycle end to end: a real Hypercorn edge server on loopback, a real
origin server, real Wasm functions (WAT)."""

from __future__ import annotations

import base64
import json
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from . import modules as M

SITE = Path(__file__).resolve().parents[1] / "samples" / "site"


def manifest(origin_url: str, behaviors: str, functions: dict[str, str] | None = None, extra: str = "") -> str:
    fn_tables = "".join(f'\n[functions.{name}]\nsource = "{name}.wat"\n' for name in (functions or {}))
    return f"""
[distribution]
domain_name = "d111111abcdef8.cloudfront.net"
id = "EDFDVBD6EXAMPLE"

[origins.api]
url = "{origin_url}"
read_timeout = 1

[origins.site]
root = "{SITE}"
index = "index.html"
{extra}
{fn_tables}
{behaviors}

[[behaviors]]
path = "*"
origin = "site"
"""


def files(functions: dict[str, str]) -> dict[str, str]:
    return {f"{name}.wat": source for name, source in functions.items()}


def start(edge_factory, origin, behaviors: str, functions: dict[str, str] | None = None, extra: str = "", **opts):
    functions = functions or {}
    return edge_factory(manifest(origin.server.url, behaviors, functions, extra), files(functions), **opts)


def invocations(edge, function: str) -> list:
    return [r for r in edge.state.logs.query(function=function) if r.level == "START"]


def events_seen(edge, function: str) -> list[dict]:
    """Events logged by the passthrough functions (their first DEBUG line is the event)."""
    return [json.loads(r.message) for r in edge.state.logs.query(function=function) if r.level == "DEBUG"]


HOST = {"host": [{"key": "Host", "value": "x"}]}


def request_result(uri: str = "/", method: str = "GET", headers: dict | None = None, **extra) -> str:
    """A function returning a fixed request (for viewer requests sent with `Host: x`)."""
    return M.returning(json.dumps({
        **extra, "clientIp": "127.0.0.1", "headers": headers if headers is not None else HOST,
        "method": method, "querystring": "", "uri": uri}))


def origin_result(origin_url_host: str, **extra) -> str:
    """A fixed origin-request result: keeps the read-only Via the edge adds."""
    from edge.pipeline.flow import VIA

    headers = {"host": [{"key": "Host", "value": origin_url_host}], "via": [{"key": "Via", "value": VIA}]}
    return request_result(headers=headers, **extra)


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


def body_of(reply: bytes) -> bytes:
    return reply.split(b"\r\n\r\n", 1)[1]


GENERATED_200 = M.returning(
    json.dumps({"status": "200", "statusDescription": "OK",
                "headers": {"cache-control": [{"key": "Cache-Control", "value": "max-age=100"}],
                            "content-type": [{"key": "Content-Type", "value": "text/html"}]},
                "body": "<p>Hello from Lambda@Edge!</p>"})
)


# -- lifecycle ------------------------------------------------------------------------------


def test_viewer_request_generated_response_goes_straight_to_viewer(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/gen/*"
origin = "api"
viewer_request = "gen"
origin_request = "preq"
origin_response = "presp"
viewer_response = "presp"
""", {"gen": GENERATED_200, "preq": M.PASS_REQUEST, "presp": M.PASS_RESPONSE})
    for _ in range(2):
        r = edge.get("/gen/page")
        assert r.status_code == 200
        assert r.text == "<p>Hello from Lambda@Edge!</p>"
        assert r.headers["x-cache"] == "LambdaGeneratedResponse from edge"
        assert r.headers["cache-control"] == "max-age=100"
        assert len(r.headers["x-amz-cf-id"]) == 56
    assert len(invocations(edge, "gen")) == 2  # not cached: the function ran both times
    assert invocations(edge, "preq") == [] and invocations(edge, "presp") == []  # no other hook
    assert fresh_origin.hits["/gen/page"] == 0


def test_origin_request_generated_response_is_cached_and_skips_origin_response(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/gen/*"
origin = "api"
origin_request = "gen"
origin_response = "presp"
viewer_response = "vresp"
""", {"gen": GENERATED_200, "presp": M.PASS_RESPONSE, "vresp": M.PASS_RESPONSE})
    first = edge.get("/gen/x")
    second = edge.get("/gen/x")
    assert first.text == second.text == "<p>Hello from Lambda@Edge!</p>"
    assert first.headers["x-cache"] == "LambdaGeneratedResponse from edge"
    assert second.headers["x-cache"] == "Hit from edge"
    assert len(invocations(edge, "gen")) == 1  # served from cache without running it again
    assert invocations(edge, "presp") == []
    assert len(invocations(edge, "vresp")) == 2  # viewer-response runs on the miss and the hit
    assert fresh_origin.hits["/gen/x"] == 0


def test_origin_response_runs_on_origin_errors_viewer_response_does_not(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/api/*"
origin = "api"
origin_response = "ores"
viewer_response = "vres"
cache = "disabled"
forward = { query_strings = "all" }
""", {"ores": M.PASS_RESPONSE, "vres": M.PASS_RESPONSE})
    r = edge.get("/api/missing?status=404")
    assert r.status_code == 404
    assert r.headers["x-cache"] == "Error from edge"
    assert len(invocations(edge, "ores")) == 1
    assert invocations(edge, "vres") == []
    ok = edge.get("/api/fine")
    assert ok.status_code == 200 and ok.headers["x-cache"] == "Miss from edge"
    assert len(invocations(edge, "vres")) == 1


def test_changing_uri_does_not_reselect_behavior(edge_factory, fresh_origin):
    rewrite = request_result("/about/index.html")
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/api/*"
origin = "api"
viewer_request = "rewrite"
cache = "disabled"
""", {"rewrite": rewrite})
    reply = raw_get(edge.url, "/api/thing", [("Host", "x")])
    # The new uri would match the default (static site) behavior, but the api origin serves it.
    assert body_of(reply) == b"origin /about/index.html #1"
    assert fresh_origin.hits["/about/index.html"] == 1


def test_viewer_response_may_change_headers_not_status(edge_factory, fresh_origin):
    add_header = M.returning(json.dumps({
        "status": "200", "statusDescription": "OK",
        "headers": {"x-added": [{"key": "X-Added", "value": "yes"}],
                    "content-type": [{"key": "Content-Type", "value": "text/plain"}]}}))
    change_status = M.returning(json.dumps({"status": "201", "headers": {}}))
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/a/*"
origin = "api"
viewer_response = "addh"
cache = "disabled"

[[behaviors]]
path = "/b/*"
origin = "api"
viewer_response = "chs"
cache = "disabled"

[[behaviors]]
path = "/c/*"
origin = "api"
viewer_response = { function = "chs", allow_status_change = true }
cache = "disabled"
""", {"addh": add_header, "chs": change_status})
    r = edge.get("/a/x")
    assert r.status_code == 200 and r.headers["x-added"] == "yes" and r.text == "origin /a/x #1"
    refused = edge.get("/b/x")
    assert refused.status_code == 502 and "status-change" in refused.text
    assert edge.get("/c/x").status_code == 201  # opt-in, like CloudFront Functions


# -- events ---------------------------------------------------------------------------------

REFERENCE = Path(__file__).resolve().parents[1] / "samples" / "events"


def shape(value, *, headers_keys: bool = True):  # type: ignore[no-untyped-def]
    """The structure of a JSON value: dict keys and value types (header names included)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def raw_get(url: str, path: str, headers: list[tuple[str, str]], method: str = "GET", body: bytes = b"") -> bytes:
    host, port = url.removeprefix("http://").split(":")
    lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers] + ["Connection: close", "", ""]
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall("\r\n".join(lines).encode() + body)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_reference_sample_events_are_reproduced(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/"
origin = "api"
viewer_request = "vreq"
origin_request = "oreq"
origin_response = "ores"
viewer_response = "vres"
cache = "disabled"
""", {"vreq": M.PASS_REQUEST, "oreq": M.PASS_REQUEST, "ores": M.PASS_RESPONSE, "vres": M.PASS_RESPONSE})
    reply = raw_get(edge.url, "/", [("Host", "d111111abcdef8.cloudfront.net"), ("User-Agent", "curl/7.66.0"), ("Accept", "*/*")])
    assert reply.startswith(b"HTTP/1.1 200")
    for hook in ("vreq", "oreq", "ores", "vres"):
        (event,) = events_seen(edge, hook)
        event_type = event["Records"][0]["cf"]["config"]["eventType"]
        reference = json.loads((REFERENCE / f"{event_type}.json").read_text())
        cf, ref = event["Records"][0]["cf"], reference["Records"][0]["cf"]
        assert list(event) == ["Records"] and list(event["Records"][0]) == ["cf"]
        assert cf["config"]["distributionDomainName"] == ref["config"]["distributionDomainName"]
        assert cf["config"]["distributionId"] == ref["config"]["distributionId"]
        assert len(cf["config"]["requestId"]) == 56
        assert list(cf) == list(ref)  # config, request[, response]
        assert list(cf["request"]) == list(ref["request"])  # same fields, same order
        assert cf["request"]["method"] == "GET" and cf["request"]["uri"] == "/" and cf["request"]["querystring"] == ""
        assert cf["request"]["clientIp"] == "127.0.0.1"
        if event_type.startswith("viewer"):
            assert cf["request"]["headers"] == {
                "host": [{"key": "Host", "value": "d111111abcdef8.cloudfront.net"}],
                "user-agent": [{"key": "User-Agent", "value": "curl/7.66.0"}],
                "accept": [{"key": "Accept", "value": "*/*"}],
            }
        else:
            assert shape(cf["request"]["origin"]) == shape(ref["request"]["origin"])
            headers = cf["request"]["headers"]
            for name in ("x-forwarded-for", "user-agent", "via", "host"):
                assert name in headers, name
            assert headers["x-forwarded-for"][0]["value"] == "127.0.0.1"
            assert headers["host"][0]["value"].startswith("127.0.0.1:")
        if "response" in ref:
            assert list(cf["response"]) == ["headers", "status", "statusDescription"]
            assert cf["response"]["status"] == "200" and cf["response"]["statusDescription"] == "OK"
            assert cf["response"]["headers"]["content-type"][0]["key"] == "Content-Type"


def test_include_body_exposes_base64_body_truncated_at_40kb(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/form"
origin = "api"
methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
viewer_request = { function = "vreq", include_body = true }
cache = "disabled"
""", {"vreq": M.PASS_REQUEST})
    r = edge.request("POST", "/form", content=b"name=edge&x=%20y", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200
    body = events_seen(edge, "vreq")[0]["Records"][0]["cf"]["request"]["body"]
    assert body == {"inputTruncated": False, "action": "read-only", "encoding": "base64",
                    "data": base64.b64encode(b"name=edge&x=%20y").decode()}
    assert fresh_origin.requests[-1]["body"] == b"name=edge&x=%20y"  # forwarded intact
    big = b"a" * (50 * 1024)
    edge.request("POST", "/form", content=big)
    body = events_seen(edge, "vreq")[1]["Records"][0]["cf"]["request"]["body"]
    assert body["inputTruncated"] is True
    assert base64.b64decode(body["data"]) == big[: 40 * 1024]
    assert fresh_origin.requests[-1]["body"] == big  # the origin still gets all of it


def test_body_replacement_reaches_the_origin(edge_factory, fresh_origin):
    replace = request_result(
        "/echo", "POST", headers={**HOST, "content-length": [{"key": "Content-Length", "value": "8"}]},
        body={"action": "replace", "encoding": "text", "data": "replaced!"})
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/echo"
origin = "api"
methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
viewer_request = { function = "rep", include_body = true }
cache = "disabled"
""", {"rep": replace})
    reply = raw_get(edge.url, "/echo", [("Host", "x"), ("Content-Length", "8")], "POST", b"original")
    assert status_of(reply) == 200, reply
    assert fresh_origin.requests[-1]["body"] == b"replaced!"


# -- validation and execution errors -------------------------------------------------------


def response_fn(obj) -> str:  # type: ignore[no-untyped-def]
    return M.returning(json.dumps(obj))


VALIDATION_CASES = {
    "not-object": M.returning("[1, 2]"),
    "unparsable": M.NOT_JSON,
    "status-range": response_fn({"status": "700"}),
    "header-not-array": response_fn({"status": "200", "headers": {"x-a": {"key": "X-A", "value": "1"}}}),
    "disallowed-header": response_fn({"status": "200", "headers": {"x-cache": [{"key": "X-Cache", "value": "Hit"}]}}),
    "204-body": response_fn({"status": "204", "body": "nope"}),
    "base64": response_fn({"status": "200", "body": "!!!", "bodyEncoding": "base64"}),
    "size": response_fn({"status": "200", "body": "x" * (41 * 1024)}),
    "uri": response_fn({"clientIp": "127.0.0.1", "headers": {}, "method": "GET", "querystring": "", "uri": "no-slash"}),
    "read-only-header": response_fn({"clientIp": "127.0.0.1", "method": "GET", "querystring": "", "uri": "/",
                                     "headers": {"via": [{"key": "Via", "value": "1.1 me"}]}}),
    "host-deleted": response_fn({"clientIp": "127.0.0.1", "method": "GET", "querystring": "", "uri": "/",
                                 "headers": {}}),
}


@pytest.mark.parametrize("rule", list(VALIDATION_CASES))
def test_invalid_results_are_502_naming_the_rule_and_never_cached(edge_factory, fresh_origin, rule):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/v/*"
origin = "api"
viewer_request = "bad"
""", {"bad": VALIDATION_CASES[rule]})
    for _ in range(2):
        r = edge.get("/v/x")
        assert r.status_code == 502, r.text
        assert r.headers["x-cache"] == "LambdaValidationError from edge"
        assert "The Lambda function re" in r.text  # "returned invalid JSON" / "result failed validation"
        assert r.headers["x-amz-cf-id"] in r.text
        expected_rule = "read-only-header" if rule == "host-deleted" else rule
        assert f"rule: {expected_rule}" in r.text, r.text
    assert len(invocations(edge, "bad")) == 2  # error responses are not cached
    assert fresh_origin.hits["/v/x"] == 0


def big_header(size: int) -> str:
    """A response hook's result adding one header of `size` bytes to a 200 (the origin here sends
    neither Via nor Transfer-Encoding, so dropping its other headers is allowed)."""
    return response_fn({"status": "200", "headers": {"x-big": [{"key": "X-Big", "value": "h" * size}]}})


# viewer-response runs after the cache: the origin's own answer is stored, the function's never
@pytest.mark.parametrize("hook, size, fetches", [("viewer_response", 46_000, 1), ("origin_response", 1_100_000, 2)])
def test_headers_count_toward_a_response_hooks_size_limit(edge_factory, fresh_origin, hook, size, fetches):
    """40 KB (viewer-response) and 1 MB (origin-response) hold for headers and body together: a
    function adding a header that large is refused, and its answer is never cached."""
    edge = start(edge_factory, fresh_origin, f"""
[[behaviors]]
path = "/big/*"
origin = "api"
{hook} = "big"
""", {"big": big_header(size)})
    for _ in range(2):
        r = edge.get("/big/x")
        assert r.status_code == 502 and r.headers["x-cache"] == "LambdaValidationError from edge", r.text[:300]
        assert "rule: size" in r.text and "x-big" not in r.headers
    assert fresh_origin.hits["/big/x"] == fetches


EXECUTION_CASES = {
    "trap": (M.UNREACHABLE, {}, 503, "LambdaExecutionError from edge"),
    "timeout": (M.INFINITE_LOOP, {"timeout_ms": 100, "fuel": 10**15}, 503, "LambdaExecutionError from edge"),
    "out_of_fuel": (M.INFINITE_LOOP, {"fuel": 100000}, 503, "LambdaExecutionError from edge"),
    "memory": (M.MEMORY_BOMB, {"memory_bytes": 8 * 1024 * 1024}, 503, "LambdaExecutionError from edge"),
    "handler_error": (M.HANDLER_ERROR, {}, 503, "LambdaExecutionError from edge"),
    "output_too_large": (M.HUGE_OUTPUT, {}, 502, "LambdaValidationError from edge"),
}


@pytest.mark.parametrize("case", list(EXECUTION_CASES))
def test_function_failures_map_to_lambda_errors_and_logs_are_kept(edge_factory, fresh_origin, case):
    source, limits, status, x_cache = EXECUTION_CASES[case]
    limit_table = "\n".join(f"{k} = {v}" for k, v in limits.items())
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/e/*"
origin = "api"
viewer_request = "bad"

[[behaviors]]
path = "/ok/*"
origin = "api"
viewer_request = "fine"
cache = "disabled"
""", {"bad": source, "fine": M.PASS_REQUEST},
        extra=f"[functions.bad.limits]\n{limit_table}\n" if limits else "")
    r = edge.get("/e/x")
    assert r.status_code == status
    assert r.headers["x-cache"] == x_cache
    rid = r.headers["x-amz-cf-id"]
    records = edge.state.logs.query(function="bad", request_id=rid)
    assert [rec.level for rec in records][0] == "START" and records[-1].level == "REPORT"
    assert any(rec.level == "ERROR" for rec in records)
    # One function's failure never affects another request.
    assert edge.get("/ok/y").status_code == 200


def test_concurrency_limit_answers_503_with_retry_after(edge_factory, fresh_origin):
    slow = M.spin(150_000_000)
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/slow/*"
origin = "api"
viewer_request = "slow"
cache = "disabled"
""", {"slow": slow}, extra="[functions.slow.limits]\nfuel = 100000000000\n", queue_wait_ms=10)
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda i: edge.get(f"/slow/{i}"), range(8)))
    limited = [r for r in replies if r.status_code == 503]
    assert limited, [r.status_code for r in replies]
    for r in limited:
        assert r.headers["x-cache"] == "LambdaLimitExceeded from edge"
        assert r.headers["retry-after"] == "1"
    ran = [r for r in replies if r.status_code != 503]  # spin() returns its event: a 502 once it ran
    assert ran and all(r.status_code == 502 for r in ran)


# -- origins --------------------------------------------------------------------------------


def test_origin_switch_to_undeclared_host_is_refused(edge_factory, fresh_origin):
    api_host = fresh_origin.server.url.removeprefix("http://")
    evil = origin_result(api_host, origin={"custom": {"customHeaders": {}, "domainName": "evil.example.com", "keepaliveTimeout": 5,
                              "path": "", "port": 443, "protocol": "https", "readTimeout": 30,
                              "sslProtocols": ["TLSv1.2"]}})
    to_site = origin_result(api_host, uri="/robots.txt", origin={"custom": {"customHeaders": {}, "domainName": "site.static.local", "keepaliveTimeout": 5,
                              "path": "", "port": 80, "protocol": "http", "readTimeout": 30,
                              "sslProtocols": ["TLSv1.2"]}})
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/evil"
origin = "api"
origin_request = "evil"

[[behaviors]]
path = "/switch"
origin = "api"
origin_request = "tosite"
""", {"evil": evil, "tosite": to_site})
    r = edge.get("/evil")
    assert r.status_code == 502 and "origin-not-allowed" in r.text
    assert fresh_origin.hits == {}
    switched = edge.get("/switch")
    assert switched.status_code == 200 and switched.text == "User-agent: *\n"  # a declared origin


def test_origin_unreachable_502_timeout_504_and_stale_if_error(edge_factory, fresh_origin):
    from .conftest import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    edge = start(edge_factory, fresh_origin, f"""
[origins.dead]
url = "{dead}"

[[behaviors]]
path = "/dead"
origin = "dead"

[[behaviors]]
path = "/slow*"
origin = "api"
cache = {{ min_ttl = 0, default_ttl = 0, max_ttl = 0 }}
""")
    r = edge.get("/dead")
    assert r.status_code == 502 and r.headers["x-cache"] == "Error from edge"
    t = edge.get("/slow?s=3")
    assert t.status_code == 504
    # A cached copy is served when the origin later fails (stale-if-error).
    cache = edge.state.cache
    ok = edge.get("/about/index.html")
    assert ok.status_code == 200
    assert len(cache) >= 1


def test_stale_copy_is_served_when_origin_fails(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/flaky*"
origin = "api"
cache = { min_ttl = 0, default_ttl = 1, max_ttl = 1 }
forward = { query_strings = "all" }   # forwarded, not in the key: the operator's choice
""")
    first = edge.get("/flaky?cc=max-age%3D1")
    assert first.status_code == 200
    # Expire it, then make the origin answer 503: the stale copy is served instead.
    for key in list(edge.state.cache._entries.keys()):
        edge.state.cache._entries[key].stored_at -= 10
    r = edge.get("/flaky?cc=max-age%3D1&status=503")
    # the same cache key: the query is forwarded but not in the key
    assert r.status_code == 200 and r.text == first.text


def test_path_escapes_from_the_static_origin_are_refused(edge_factory, fresh_origin, tmp_path):
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    edge = start(edge_factory, fresh_origin, "")
    for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/a/../../secret.txt",
                 "//etc/passwd", "/%2fetc%2fpasswd", "/..%5csecret.txt", "/%00"]:
        reply = raw_get(edge.url, path, [("Host", "x")])
        status = int(reply.split(b" ", 2)[1])
        assert status in (400, 403, 404), (path, reply[:100])
        assert b"TOP SECRET" not in reply and b"root:" not in reply


# -- cache ----------------------------------------------------------------------------------


def test_cache_ttl_rules_end_to_end(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/c/*"
origin = "api"
cache = { min_ttl = 0, default_ttl = 60, max_ttl = 3600, query_strings = "all" }
""")
    def twice(path: str) -> tuple[str, str]:
        return edge.get(path).headers["x-cache"], edge.get(path).headers["x-cache"]

    assert twice("/c/a?cc=max-age%3D30") == ("Miss from edge", "Hit from edge")
    assert twice("/c/b?cc=no-store") == ("Miss from edge", "Miss from edge")
    assert twice("/c/c?cc=private") == ("Miss from edge", "Miss from edge")
    assert twice("/c/d") == ("Miss from edge", "Hit from edge")  # default TTL
    assert twice("/c/e?status=404") == ("Error from edge", "Error from edge")  # error caching, 10 s
    assert fresh_origin.hits["/c/e"] == 1  # the second one came from the cache
    assert twice("/c/f?status=403") == ("Error from edge", "Error from edge")  # not without max-age
    assert fresh_origin.hits["/c/a"] == 1 and fresh_origin.hits["/c/b"] == 2
    hit = edge.get("/c/a?cc=max-age%3D30")
    assert "age" in hit.headers
    # Viewer Cache-Control does not force a refetch.
    assert edge.get("/c/a?cc=max-age%3D30", headers={"cache-control": "no-cache"}).headers["x-cache"] == "Hit from edge"


def test_concurrent_misses_are_coalesced_into_one_origin_fetch(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/wait*"
origin = "api"
""")
    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(lambda _: edge.get("/wait?s=0.5"), range(10)))
    assert all(r.status_code == 200 for r in replies)
    assert {r.text for r in replies} == {"origin /wait #1"}
    assert fresh_origin.hits["/wait"] == 1


def test_expired_entry_is_revalidated_304_refresh_hit(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/r*"
origin = "api"
cache = { min_ttl = 0, default_ttl = 1, max_ttl = 1, query_strings = "all" }
""")
    path = '/r?etag=%22v1%22&cc=max-age%3D1'
    assert edge.get(path).headers["x-cache"] == "Miss from edge"
    for entry in edge.state.cache._entries.values():
        entry.stored_at -= 5
    r = edge.get(path)
    assert r.headers["x-cache"] == "RefreshHit from edge"
    assert r.text == "origin /r #1"
    assert fresh_origin.requests[-1]["headers"][-1] or True
    sent = dict(fresh_origin.requests[-1]["headers"])
    assert sent.get("if-none-match") == '"v1"'


def test_invalidation_purges_by_pattern(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/inv/*"
origin = "api"
""")
    edge.get("/inv/a.jpg"), edge.get("/inv/b.png")
    assert edge.get("/inv/a.jpg").headers["x-cache"] == "Hit from edge"
    assert edge.state.cache.invalidate("/inv/*.jpg") == 1
    assert edge.get("/inv/a.jpg").headers["x-cache"] == "Miss from edge"
    assert edge.get("/inv/b.png").headers["x-cache"] == "Hit from edge"


def test_large_origin_bodies_stream_through(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/big*"
origin = "api"
cache = "disabled"
forward = { query_strings = "all" }
""")
    with edge.client.stream("GET", "/big?n=20000000") as r:
        size = sum(len(chunk) for chunk in r.iter_bytes())
    assert r.status_code == 200 and size == 20_000_000


def test_disallowed_method_is_403(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, "")
    r = edge.request("DELETE", "/index.html")
    assert r.status_code == 403


def test_server_timing_header_is_opt_in(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/t/*"
origin = "api"
viewer_request = "vreq"
""", {"vreq": M.PASS_REQUEST}, server_timing=True)
    timing = edge.get("/t/x").headers["server-timing"]
    assert timing.startswith("viewer_request;dur=") and "origin;dur=" in timing and "total;dur=" in timing


def test_bad_manifest_refuses_to_start_naming_the_entry(edge_factory, fresh_origin):
    with pytest.raises(RuntimeError, match="not declared"):
        start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/x"
origin = "api"
viewer_request = "ghost"
""")


def test_echo_origin_shows_what_the_origin_receives(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/echo/*"
origin = "echo"
methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
forward = { query_strings = "all" }
""", extra='[origins.echo]\ntype = "echo"\n')
    r = edge.request("POST", "/echo/form?a=1", content=b"name=edge", headers={"X-Test": "1"})
    assert r.status_code == 200
    seen = r.json()
    assert seen["method"] == "POST" and seen["uri"] == "/echo/form" and seen["querystring"] == "a=1"
    assert seen["body"] == "name=edge"
    names = {k.lower(): v for k, v in seen["headers"]}
    assert names["x-test"] == "1" and names["host"] == "echo.echo.local"
    assert names["x-forwarded-for"] == "127.0.0.1" and "x-amz-cf-id" in names


def test_origin_body_is_exposed_to_origin_response_only_when_opted_in(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/with/*"
origin = "api"
origin_response = { function = "ores", include_origin_body = true }
cache = "disabled"

[[behaviors]]
path = "/without/*"
origin = "api"
origin_response = "ores2"
cache = "disabled"
""", {"ores": M.PASS_RESPONSE, "ores2": M.PASS_RESPONSE})
    assert edge.get("/with/x").text == "origin /with/x #1"
    response = events_seen(edge, "ores")[0]["Records"][0]["cf"]["response"]
    assert base64.b64decode(response["body"]["data"]) == b"origin /with/x #1"
    assert response["body"]["encoding"] == "base64" and response["body"]["inputTruncated"] is False
    assert edge.get("/without/x").text == "origin /without/x #1"
    assert "body" not in events_seen(edge, "ores2")[0]["Records"][0]["cf"]["response"]  # as AWS
