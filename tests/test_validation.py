"""Result validation: every rule Lambda@Edge applies to a function's result, with a passing and a failing case."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from edge.pipeline.events import (
    ORIGIN_BODY_LIMIT,
    VIEWER_BODY_LIMIT,
    custom_origin,
    origin_request,
    response_object,
    s3_origin,
    viewer_request,
)
from edge.pipeline.headers import to_cf_headers
from edge.pipeline.request_validation import validate_request
from edge.pipeline.response_validation import validate_response
from edge.pipeline.validation import FAILED, INVALID_JSON, ValidationError, is_response

# --- fixtures ------------------------------------------------------------------------------------


def viewer_before(*, body: bytes | None = None, include_body: bool = False) -> dict:
    return viewer_request(
        client_ip="203.0.113.178",
        method="POST" if include_body else "GET",
        uri="/index.html",
        querystring="a=1",
        headers=[("Host", "d111111abcdef8.cloudfront.net"), ("User-Agent", "curl/8"), ("accept", "*/*"),
                 ("Via", "1.1 proxy")],
        body=body,
        include_body=include_body,
    )


def origin_before(*, body: bytes | None = None, include_body: bool = False, origin: dict | None = None) -> dict:
    forwarded = to_cf_headers(
        [
            ("Host", "example.org"),
            ("User-Agent", "Amazon CloudFront"),
            ("Via", "2.0 2afae0d44e2540f472c0635ab62c232b.cloudfront.net (CloudFront)"),
            ("Accept-Encoding", "gzip"),
            ("X-Forwarded-For", "203.0.113.178"),
        ]
    )
    return origin_request(
        viewer_before(include_body=include_body),  # a POST when it has a body: a GET carries none
        origin=origin or custom_origin(domain_name="example.org", port=443, protocol="https"),
        forwarded_headers=forwarded,
        body=body,
        include_body=include_body,
    )


def response_before(event_type: str = "origin-response", status: int = 200, reason: str = "OK") -> dict:
    extra = [("Transfer-Encoding", "chunked")] if event_type == "origin-response" else [("Warning", "110 - stale")]
    return response_object(
        status, reason, [("Content-Type", "text/html"), ("Via", "1.1 origin"), ("Server", "Origin"), *extra]
    )


def copy(value: Any) -> Any:
    """What the guest gets back and returns: a JSON round trip (never aliases `before`)."""
    return orjson.loads(orjson.dumps(value))


def rejects(rule: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    err = info.value
    assert err.rule == rule, err.message
    assert err.message.startswith((FAILED, INVALID_JSON))
    assert str(err) == err.message
    return err


def vreq(after: Any, before: dict | None = None, **kw: Any) -> dict:
    return validate_request("viewer-request", before or viewer_before(), after, **kw)


def oreq(after: Any, before: dict | None = None, **kw: Any) -> dict:
    return validate_request("origin-request", before or origin_before(), after, **kw)


def gen(after: Any, event_type: str = "viewer-request") -> dict:
    return validate_response(event_type, None, after, generated=True)


def mod(after: Any, event_type: str = "origin-response", before: dict | None = None, **kw: Any) -> dict:
    return validate_response(event_type, before or response_before(event_type), after, generated=False, **kw)


def edited(before: dict, **changes: Any) -> dict:
    after = copy(before)
    after.update(changes)
    return after


# --- JSON structure ------------------------------------------------------------------------------


def test_unparsable_bytes() -> None:
    err = rejects("unparsable", vreq, b"{not json")
    assert err.message == "The Lambda function returned invalid JSON: The JSON output is not parsable."
    rejects("unparsable", gen, b"")


def test_raw_bytes_are_parsed() -> None:
    before = viewer_before()
    assert vreq(orjson.dumps(before), before)["uri"] == "/index.html"
    assert gen(b'{"status": "200"}')["status"] == 200


@pytest.mark.parametrize("after", [[], "request", None, 3, b'"x"', b"null", b"[1]"])
def test_not_object(after: object) -> None:
    err = rejects("not-object", vreq, after)
    assert err.message == "The Lambda function returned invalid JSON: The JSON output must be an object type."
    rejects("not-object", gen, after)
    rejects("not-object", mod, after)


def test_is_response() -> None:
    assert is_response({"status": "302"})
    assert is_response({"status": 200, "headers": {}})
    assert not is_response(viewer_before())
    assert not is_response([])  # type: ignore[arg-type]


def test_wrong_event_types_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        validate_request("origin-response", {}, {})
    with pytest.raises(ValueError):
        validate_response("viewer-response", None, {"status": 200}, generated=True)
    with pytest.raises(ValueError):
        validate_response("viewer-request", {}, {"status": 200}, generated=False)
    with pytest.raises(ValueError):
        validate_response("origin-response", None, {"status": 200}, generated=False)


# --- requests: read-only fields, uri, querystring ----------------------------------------------


def test_unchanged_viewer_request_is_returned_normalised() -> None:
    before = viewer_before()
    out = vreq(copy(before), before)
    assert out == {**before, "body": None}
    assert list(out) == ["body", "clientIp", "headers", "method", "querystring", "uri"]


def test_unchanged_origin_request_is_returned_normalised() -> None:
    before = origin_before()
    out = oreq(copy(before), before)
    assert out == {**before, "body": None}
    assert list(out) == ["body", "clientIp", "headers", "method", "origin", "querystring", "uri"]


def test_method_is_read_only() -> None:
    before = viewer_before()
    err = rejects("method", vreq, edited(before, method="POST"), before)
    assert "method" in err.message
    after = copy(before)
    del after["method"]
    assert vreq(after, before)["method"] == "GET"  # omitted = unchanged


def test_client_ip_is_read_only() -> None:
    before = origin_before()
    err = rejects("client-ip", oreq, edited(before, clientIp="10.0.0.1"), before)
    assert "clientIp" in err.message
    after = copy(before)
    del after["clientIp"]
    assert oreq(after, before)["clientIp"] == "203.0.113.178"


@pytest.mark.parametrize("uri, sent", [("/", "/"), ("/new/path.html", "/new/path.html"), ("/%20x", "/%20x"),
                                       ("/a;b=c", "/a;b=c"),
                                       # a changed uri goes on as UTF-8 (AWS): non-ASCII as its escaped bytes,
                                       # then normalised as the front door does (%41 is A, dot segments go)
                                       ("/caf\u00e9", "/caf%C3%A9"), ("/\u65e5/%41", "/%E6%97%A5/A"),
                                       ("/a/../b/./c", "/b/c"), ("/%2e%2E/x%2fy", "/x%2Fy"), ("//x", "//x")])
def test_uri_accepted(uri: str, sent: str) -> None:
    before = viewer_before()
    assert vreq(edited(before, uri=uri), before)["uri"] == sent


@pytest.mark.parametrize("uri", ["new", "", "/a b", "/a\r\nX-Injected: 1", "/a?b=1", "/a#frag", "/a\x00", 7, None,
                                 "/a%", "/%zz", "/a%2", "/a\\b", "/a|b", "/a<b>"])  # what the front door refuses
def test_uri_rejected(uri: object) -> None:
    before = viewer_before()
    rejects("uri", vreq, edited(before, uri=uri), before)


def test_uri_missing() -> None:
    before = viewer_before()
    after = copy(before)
    del after["uri"]
    assert "uri" in rejects("uri", vreq, after, before).message


def test_a_status_code_result_is_a_request_without_uri_that_says_status_was_meant() -> None:
    """{statusCode: 302} (API Gateway's, CloudFront Functions') is read as a request, as on AWS; the
    message says a generated response's field is `status`."""
    message = rejects("uri", vreq, {"statusCode": 302, "headers": {"location": [{"value": "/x"}]}}).message
    assert message.endswith("The uri field is missing or is not a string. (A generated response gives its status "
                            "as 'status', a string such as '302', not 'statusCode' as API Gateway, ALB and CloudFront "
                            "Functions take it.)")
    assert "statusCode" not in rejects("uri", vreq, {"headers": {}}).message


def test_uri_and_query_length() -> None:
    before = viewer_before()
    query = "q=" + "x" * 100
    ok_uri = "/" + "a" * (8191 - len(query) - 1 - 1)  # 8191 chars including '?'
    assert vreq(edited(before, uri=ok_uri, querystring=query), before)["uri"] == ok_uri
    rejects("uri", vreq, edited(before, uri=ok_uri + "a", querystring=query), before)
    rejects("uri", vreq, edited(before, uri="/" + "a" * 8191, querystring=""), before)
    assert vreq(edited(before, uri="/" + "a" * 8190, querystring=""), before)


@pytest.mark.parametrize("call, before", [(vreq, viewer_before), (oreq, origin_before)])
def test_request_line_and_headers_within_20480_bytes(call: Callable[..., dict], before: Callable[[], dict]) -> None:
    """CloudFront's bound on a request's line and headers holds for the request a function returns."""
    request = before()
    line = len(f"GET {request['uri']}?{request['querystring']} HTTP/1.1\r\n")
    head = sum(len(e["key"]) + len(e["value"]) + 4 for entries in request["headers"].values() for e in entries)
    room = 20480 - line - head - len("X-Big: \r\n")
    fits = copy(request)
    fits["headers"]["x-big"] = [{"key": "X-Big", "value": "b" * room}]
    assert call(fits, request)["headers"]["x-big"]
    over = copy(request)
    over["headers"]["x-big"] = [{"key": "X-Big", "value": "b" * (room + 1)}]
    err = rejects("size", call, over, request)
    assert "is 20481 bytes (20481 bytes of request line and headers); the maximum is 20480 bytes" in err.message


def test_unchanged_uri_and_query_are_not_rechecked() -> None:
    """CloudFront forwards unchanged values byte for byte, so odd viewer input is not the function's fault."""
    before = viewer_request(
        client_ip="1.1.1.1", method="GET", uri="/a b", querystring="x=|y z", headers=[("Host", "h")]
    )
    out = vreq(copy(before), before)
    assert (out["uri"], out["querystring"]) == ("/a b", "x=|y z")


@pytest.mark.parametrize("query, sent", [("", ""), ("a=1&b=2", "a=1&b=2"), ("q=%20%23", "q=%20%23"), ("flag", "flag"),
                                         ("k=caf\u00e9", "k=caf%C3%A9"), ("q=\u65e5&r=[x]", "q=%E6%97%A5&r=[x]")])
def test_querystring_accepted(query: str, sent: str) -> None:
    before = viewer_before()
    assert vreq(edited(before, querystring=query), before)["querystring"] == sent
    before = origin_before()
    assert oreq(edited(before, querystring=query), before)["querystring"] == sent


@pytest.mark.parametrize("query", ["a b", "a=1#frag", "a=\x01", "a=1\r\n", "a=\x7f", "a=\tb", 5, None, ["a"]])
def test_querystring_rejected(query: object) -> None:
    before = viewer_before()
    err = rejects("querystring", vreq, edited(before, querystring=query), before)
    assert "querystring" in err.message


def test_querystring_missing() -> None:
    before = origin_before()
    after = copy(before)
    del after["querystring"]
    rejects("querystring", oreq, after, before)


# --- requests: header shape ----------------------------------------------------------------------


def test_headers_must_be_object() -> None:
    before = viewer_before()
    rejects("headers", vreq, edited(before, headers=[["host", "x"]]), before)
    after = copy(before)
    del after["headers"]
    rejects("headers", vreq, after, before)


def test_header_not_array() -> None:
    before = viewer_before()
    after = copy(before)
    after["headers"]["accept"] = {"key": "Accept", "value": "*/*"}
    err = rejects("header-not-array", vreq, after, before)
    assert "Each header entry in the headers object must be an array." in err.message
    assert "(accept)" in err.message


@pytest.mark.parametrize(
    ("entry", "rule"),
    [
        ("text/html", "header-entry"),
        (None, "header-entry"),
        ({"key": "X-New"}, "header-value"),
        ({"key": "X-New", "value": 5}, "header-value"),
        ({"key": "X-New", "value": None}, "header-value"),
        ({"key": "X-New", "value": "a\r\nSet-Cookie: evil=1"}, "header-value"),
        ({"key": "X-New", "value": "a\x00"}, "header-value"),
        ({"key": 3, "value": "v"}, "header-name"),
    ],
)
def test_header_entry_rejected(entry: object, rule: str) -> None:
    before = viewer_before()
    after = copy(before)
    after["headers"]["x-new"] = [entry]
    err = rejects(rule, vreq, after, before)
    assert "x-new" in err.message


def test_header_key_naming_another_header_goes_under_the_map_name() -> None:
    """AWS's "override a response header" example copies a whole entry under another name:
    the map name decides the header; a key spelling another name cannot smuggle it in."""
    before = viewer_before()
    after = copy(before)
    after["headers"]["x-new"] = [{"key": "Host", "value": "evil.example"}, {"key": "", "value": "2"}]
    after["headers"]["x-same"] = [{"key": "X-SAME", "value": "3"}]
    out = vreq(after, before)
    assert out["headers"]["x-new"] == [{"key": "X-New", "value": "evil.example"}, {"key": "X-New", "value": "2"}]
    assert out["headers"]["x-same"] == [{"key": "X-SAME", "value": "3"}]
    assert out["headers"]["host"] == before["headers"]["host"]


def test_a_header_key_that_only_lowercases_to_the_name_goes_under_the_map_name() -> None:
    """The Kelvin sign lowercases to "k" and the long s uppercases to "S": such a key would pass
    a case-insensitive comparison and then fail on the wire (header names are ASCII)."""
    before = viewer_before()
    after = copy(before)
    after["headers"]["k"] = [{"key": "\u212a", "value": "1"}]
    after["headers"]["x-k"] = [{"key": "X-\u212a", "value": "2"}]
    out = vreq(after, before)
    assert out["headers"]["k"] == [{"key": "K", "value": "1"}]
    assert out["headers"]["x-k"] == [{"key": "X-K", "value": "2"}]


@pytest.mark.parametrize("name", ["X-New", "x new", "x:new", "", "x-\u00e9"])
def test_header_name_rejected(name: str) -> None:
    before = viewer_before()
    after = copy(before)
    after["headers"][name] = [{"value": "v"}]
    rejects("header-name", vreq, after, before)


def test_header_keys_auto_filled_and_case_kept() -> None:
    before = viewer_before()
    after = copy(before)
    after["headers"]["x-custom-thing"] = [{"value": "1"}, {"key": "X-CUSTOM-THING", "value": "2"}]
    after["headers"]["user-agent"] = [{"value": "curl/9"}]
    after["headers"]["x-tab"] = [{"key": "x-tab", "value": "a\tb"}]
    out = vreq(after, before)
    assert out["headers"]["x-custom-thing"] == [
        {"key": "X-Custom-Thing", "value": "1"},
        {"key": "X-CUSTOM-THING", "value": "2"},
    ]
    assert out["headers"]["user-agent"] == [{"key": "User-Agent", "value": "curl/9"}]
    assert out["headers"]["accept"] == [{"key": "accept", "value": "*/*"}]
    assert out["headers"]["x-tab"][0]["value"] == "a\tb"
    assert list(out["headers"])[:4] == ["host", "user-agent", "accept", "via"]  # order kept


def test_header_extra_fields_dropped_and_empty_arrays_removed() -> None:
    before = viewer_before()
    after = copy(before)
    after["headers"]["accept"] = []
    after["headers"]["x-a"] = [{"key": "X-A", "value": "1", "extra": True}]
    out = vreq(after, before)
    assert "accept" not in out["headers"]
    assert out["headers"]["x-a"] == [{"key": "X-A", "value": "1"}]


# --- requests: restricted headers --------------------------------------------------------------


@pytest.mark.parametrize("name", ["connection", "x-amz-cf-id", "x-amz-cf-anything", "x-edge-location", "x-cache",
                                  "x-forwarded-proto", "x-real-ip", "upgrade", "x-accel-redirect"])
def test_disallowed_header_cannot_be_added(name: str) -> None:
    for before, call in ((viewer_before(), vreq), (origin_before(), oreq)):
        after = copy(before)
        after["headers"][name] = [{"value": "1"}]
        err = rejects("disallowed-header", call, after, before)
        assert f"({name})" in err.message


def test_ordinary_header_can_be_added_changed_and_deleted() -> None:
    before = viewer_before()
    after = copy(before)
    after["headers"]["x-added"] = [{"key": "X-Added", "value": "yes"}]
    after["headers"]["user-agent"][0]["value"] = "changed"
    del after["headers"]["accept"]
    out = vreq(after, before)
    assert out["headers"]["x-added"][0]["value"] == "yes"
    assert out["headers"]["user-agent"][0]["value"] == "changed"
    assert "accept" not in out["headers"]


def test_read_only_message_matches_aws() -> None:
    before = viewer_before()
    after = copy(before)
    after["headers"]["via"][0]["value"] = "1.1 other"
    err = rejects("read-only-header", vreq, after, before)
    assert err.message == (
        "The Lambda function result failed validation: "
        "The function tried to add, delete, or change a read-only header (via)."
    )


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("host", "change"),
        ("host", "delete"),
        ("via", "delete"),
        ("content-length", "add"),
        ("transfer-encoding", "add"),
    ],
)
def test_viewer_request_read_only_headers(name: str, action: str) -> None:
    before = viewer_before()
    after = copy(before)
    if action == "change":
        after["headers"][name][0]["value"] = "other.example"
    elif action == "delete":
        del after["headers"][name]
    else:
        after["headers"][name] = [{"value": "5"}]
    err = rejects("read-only-header", vreq, after, before)
    assert f"({name})" in err.message


def test_read_only_header_key_case_may_change() -> None:
    before = viewer_before()
    after = copy(before)
    after["headers"]["host"] = [{"key": "host", "value": "d111111abcdef8.cloudfront.net"}]
    assert vreq(after, before)["headers"]["host"][0]["value"] == "d111111abcdef8.cloudfront.net"


@pytest.mark.parametrize(
    "name", ["via", "accept-encoding", "content-length", "if-modified-since", "if-none-match", "if-range",
             "if-unmodified-since", "transfer-encoding"],
)
def test_origin_request_read_only_headers(name: str) -> None:
    before = origin_before()
    after = copy(before)
    after["headers"][name] = [{"value": "changed"}]
    rejects("read-only-header", oreq, after, before)


def test_origin_request_host_is_writable() -> None:
    before = origin_before()
    after = copy(before)
    after["headers"]["host"] = [{"key": "Host", "value": "eu.example.com"}]
    after["origin"]["custom"]["domainName"] = "eu.example.com"
    out = oreq(after, before)
    assert out["headers"]["host"][0]["value"] == "eu.example.com"
    assert out["origin"]["custom"]["domainName"] == "eu.example.com"


def test_viewer_country_cannot_be_added_in_viewer_request() -> None:
    before = viewer_before()
    after = copy(before)
    after["headers"]["cloudfront-viewer-country"] = [{"value": "DE"}]
    err = rejects("disallowed-header", vreq, after, before)
    assert "cloudfront-viewer-country" in err.message
    # allowed in origin-request, and other CloudFront-* headers are fine in viewer-request
    before_o = origin_before()
    after_o = copy(before_o)
    after_o["headers"]["cloudfront-viewer-country"] = [{"value": "DE"}]
    assert oreq(after_o, before_o)["headers"]["cloudfront-viewer-country"][0]["key"] == "Cloudfront-Viewer-Country"
    after["headers"] = copy(before["headers"])
    after["headers"]["cloudfront-is-mobile-viewer"] = [{"value": "true"}]
    assert vreq(after, before)


# --- requests: body ------------------------------------------------------------------------------


def test_body_read_only_keeps_original() -> None:
    before = viewer_before(body=b"original", include_body=True)
    after = copy(before)
    after["body"]["data"] = base64.b64encode(b"ignored").decode()
    after["body"]["encoding"] = "text"
    after["body"]["inputTruncated"] = True
    assert vreq(after, before, include_body=True)["body"] is None
    del after["body"]["action"]  # default action is read-only
    assert vreq(after, before, include_body=True)["body"] is None
    del after["body"]
    assert vreq(after, before, include_body=True)["body"] is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"action": "replace", "encoding": "base64", "data": base64.b64encode(b"\x00\xff").decode()}, b"\x00\xff"),
        ({"action": "replace", "data": base64.b64encode(b"default b64").decode()}, b"default b64"),
        ({"action": "replace", "encoding": "text", "data": "caf\u00e9"}, "caf\u00e9".encode()),
        ({"action": "replace", "encoding": "text", "data": ""}, b""),
    ],
)
def test_body_replace(body: dict, expected: bytes) -> None:
    for before, call in ((viewer_before(body=b"x", include_body=True), vreq),
                         (origin_before(body=b"x", include_body=True), oreq)):
        after = edited(before, body=body)
        assert call(after, before, include_body=True)["body"] == expected


def test_a_body_for_a_get_is_refused() -> None:
    """The front door refuses a viewer's GET or HEAD body (403); a function's likewise (502)."""
    before = viewer_before()
    assert before["method"] == "GET"
    before["body"] = {"inputTruncated": False, "action": "read-only", "encoding": "base64", "data": ""}
    replace = {"action": "replace", "encoding": "text", "data": "x"}
    assert "GET request" in rejects("body-method", vreq, edited(before, body=replace), before,
                                    include_body=True).message
    assert vreq(edited(before, body={**replace, "data": ""}), before, include_body=True)["body"] == b""


@pytest.mark.parametrize(
    "data", ["not base64!", "YWJj=", "YWJ", "YW=J", "YWJj\n", "\u00e9\u00e9\u00e9\u00e9", "YWJj_-Jj"]
)
def test_body_invalid_base64(data: str) -> None:
    before = viewer_before(body=b"x", include_body=True)
    after = edited(before, body={"action": "replace", "encoding": "base64", "data": data})
    assert "base64" in rejects("base64", vreq, after, before, include_body=True).message


def test_body_action_rules() -> None:
    before = viewer_before(body=b"x", include_body=True)
    after = edited(before, body={"action": "overwrite", "data": ""})
    assert "action" in rejects("body-action", vreq, after, before, include_body=True).message
    plain = viewer_before()
    after = edited(plain, body={"action": "replace", "encoding": "text", "data": "x"})
    assert "IncludeBody" in rejects("body-action", vreq, after, plain).message
    after = edited(plain, body={"action": "read-only", "data": ""})
    assert vreq(after, plain)["body"] is None  # harmless without IncludeBody


def test_body_shape_rules() -> None:
    before = viewer_before(body=b"x", include_body=True)
    rejects("body", vreq, edited(before, body="raw string"), before, include_body=True)
    rejects("body", vreq, edited(before, body={"action": "replace", "data": 5}), before, include_body=True)
    rejects("body", vreq, edited(before, body={"action": "replace"}), before, include_body=True)
    after = edited(before, body={"action": "replace", "encoding": "hex", "data": "00"})
    assert "hex" in rejects("body-encoding", vreq, after, before, include_body=True).message


@pytest.mark.parametrize(
    ("event_type", "limit"), [("viewer-request", VIEWER_BODY_LIMIT), ("origin-request", ORIGIN_BODY_LIMIT)]
)
@pytest.mark.parametrize("encoding", ["base64", "text"])
def test_body_replace_is_truncated_at_the_size_cap(event_type: str, limit: int, encoding: str) -> None:
    make = viewer_before if event_type == "viewer-request" else origin_before
    before = make(body=b"x", include_body=True)

    def body(n: int) -> dict:
        data = base64.b64encode(b"a" * n).decode() if encoding == "base64" else "a" * n
        return {"action": "replace", "encoding": encoding, "data": data}

    ok = validate_request(event_type, before, edited(before, body=body(limit)), include_body=True)
    assert len(ok["body"]) == limit
    # AWS truncates a longer replacement to the cap instead of refusing the result
    truncated = validate_request(event_type, before, edited(before, body=body(limit + 2)), include_body=True)
    assert truncated["body"] == b"a" * limit


# --- requests: origin ----------------------------------------------------------------------------


def _with_custom(**fields: Any) -> tuple[dict, dict]:
    before = origin_before()
    after = copy(before)
    after["origin"]["custom"].update(fields)
    return before, after


def test_origin_change_allowed() -> None:
    seen: list[dict] = []

    def allowed(origin: dict) -> bool:
        seen.append(origin)
        return origin["custom"]["domainName"] in {"example.org", "api.example.org"}

    before, after = _with_custom(domainName="api.example.org", port=8443, protocol="https", path="/v1",
                                 readTimeout=60, keepaliveTimeout=1, sslProtocols=["TLSv1.1", "TLSv1.2"])
    out = oreq(after, before, allowed_origin=allowed)
    assert out["origin"] == seen[0] == {
        "custom": {
            "customHeaders": {},
            "domainName": "api.example.org",
            "keepaliveTimeout": 1,
            "path": "/v1",
            "port": 8443,
            "protocol": "https",
            "readTimeout": 60,
            "sslProtocols": ["TLSv1.1", "TLSv1.2"],
        }
    }


def test_origin_not_allowed() -> None:
    before, after = _with_custom(domainName="internal.corp")
    err = rejects("origin-not-allowed", oreq, after, before, allowed_origin=lambda o: False)
    assert "internal.corp" in err.message
    assert oreq(after, before)["origin"]["custom"]["domainName"] == "internal.corp"  # no policy given
    # the message says what the operator adds: the origin, or the host in allow_hosts (with a port not the scheme's)
    assert err.message.endswith('Declare it to let functions switch to it (an [origins.NAME] with url = '
                                '"https://internal.corp"), or add "internal.corp" to the allow_hosts of the origin '
                                'the request had.'), err.message
    before, after = _with_custom(domainName="internal.corp", port=8080, protocol="http")
    assert '"http://internal.corp:8080"' in rejects("origin-not-allowed", oreq, after, before,
                                                     allowed_origin=lambda o: False).message
    before = origin_before()
    after = copy(before)
    after["origin"] = {"s3": {"domainName": "assets.s3.us-east-1.amazonaws.com", "region": "us-east-1",
                              "authMethod": "none", "path": "", "customHeaders": {}}}
    err = rejects("origin-not-allowed", oreq, after, before, allowed_origin=lambda o: False)
    assert err.message.endswith('Declare it to let functions switch to it: an [origins.NAME] with type = "s3" and '
                                'domain_name = "assets.s3.us-east-1.amazonaws.com".'), err.message


def test_origin_must_be_exactly_one_kind() -> None:
    before = origin_before()
    s3 = s3_origin(domain_name="bucket.s3.amazonaws.com")["s3"]
    both = edited(before, origin={**copy(before["origin"]), "s3": s3})
    assert "exactly one" in rejects("origin", oreq, both, before).message
    rejects("origin", oreq, edited(before, origin={}), before)
    rejects("origin", oreq, edited(before, origin={"http": {}}), before)
    rejects("origin", oreq, edited(before, origin="example.org"), before)
    rejects("origin", oreq, edited(before, origin={"custom": "example.org"}), before)
    with_null = edited(before, origin={**copy(before["origin"]), "s3": None})
    assert list(oreq(with_null, before)["origin"]) == ["custom"]


def test_origin_cannot_be_removed() -> None:
    before = origin_before()
    after = copy(before)
    del after["origin"]
    rejects("origin", oreq, after, before)
    rejects("origin", oreq, edited(before, origin=None), before)


def test_origin_rejected_in_viewer_request() -> None:
    before = viewer_before()
    after = edited(before, origin=custom_origin(domain_name="example.org", port=443, protocol="https"))
    assert "viewer-request" in rejects("origin", vreq, after, before).message


@pytest.mark.parametrize(
    "domain", ["example.org", "a.b.c.example.co.uk", "localhost", "xn--bcher-kva.example", "1password.com",
               "a" * 63 + ".com"],
)
def test_custom_domain_accepted(domain: str) -> None:
    assert oreq(*reversed(_with_custom(domainName=domain)))["origin"]["custom"]["domainName"] == domain


@pytest.mark.parametrize(
    "domain",
    ["", None, 5, "example.org:8080", "127.0.0.1", "10.1", "0x7f000001", "2130706433", "::1", "[::1]",
     "1.2.3.4.5", "bad_name.example", "exa mple.org", "-lead.example", "a" * 64 + ".com", ("a" * 60 + ".") * 5 + "com",
     "example.org.", "example.org/path"],
)
def test_custom_domain_rejected(domain: object) -> None:
    before, after = _with_custom(domainName=domain)
    assert "origin.custom.domainName" in rejects("origin", oreq, after, before).message


@pytest.mark.parametrize("path", ["", "/x", "/a/b.c-d_e~f", "/%41%2f", "/" + "a" * 254])
def test_origin_path_accepted(path: str) -> None:
    assert oreq(*reversed(_with_custom(path=path)))["origin"]["custom"]["path"] == path


@pytest.mark.parametrize("path", ["x", "/", "/x/", "/a b", "/a?b", "/a#b", "/%4", "/%zz", "/" + "a" * 255, None])
def test_origin_path_rejected(path: object) -> None:
    before, after = _with_custom(path=path)
    assert "origin.custom.path" in rejects("origin", oreq, after, before).message


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("keepaliveTimeout", [1, 5, 60], [0, 61, -1, "5", 5.0, True, None]),
        ("readTimeout", [4, 30, 60], [3, 61, "30", 30.5, False]),
        ("port", [80, 443, 1024, 8080, 65535], [0, 22, 1023, 8, 65536, "443", 443.0, True]),
        ("protocol", ["http", "https"], ["HTTPS", "ftp", "", None, 1]),
        ("sslProtocols", [["TLSv1.2"], ["TLSv1", "TLSv1.1", "TLSv1.2", "SSLv3"]],
         [[], ["TLSv1.3"], "TLSv1.2", [1], None]),
    ],
)
def test_custom_origin_numeric_and_enum_fields(field: str, good: list, bad: list) -> None:
    for value in good:
        assert oreq(*reversed(_with_custom(**{field: value})))["origin"]["custom"][field] == value
    for value in bad:
        before, after = _with_custom(**{field: value})
        assert f"origin.custom.{field}" in rejects("origin", oreq, after, before).message


def test_custom_origin_missing_and_unknown_fields() -> None:
    before = origin_before()
    after = copy(before)
    del after["origin"]["custom"]["readTimeout"]
    assert "readTimeout" in rejects("origin", oreq, after, before).message
    before, after = _with_custom(domainname="typo.example")
    assert "domainname" in rejects("origin", oreq, after, before).message
    after = copy(before)
    del after["origin"]["custom"]["customHeaders"]  # optional
    assert oreq(after, before)["origin"]["custom"]["customHeaders"] == {}


def test_origin_custom_headers() -> None:
    before, after = _with_custom(customHeaders={"x-origin-secret": [{"value": "s3cr3t"}]})
    out = oreq(after, before)
    assert out["origin"]["custom"]["customHeaders"] == {
        "x-origin-secret": [{"key": "X-Origin-Secret", "value": "s3cr3t"}]
    }
    before, after = _with_custom(customHeaders={"x-forwarded-proto": [{"value": "https"}]})
    assert "x-forwarded-proto" in rejects("disallowed-header", oreq, after, before).message
    before, after = _with_custom(customHeaders={"user-agent": [{"value": "dup"}]})
    assert "user-agent" in rejects("origin", oreq, after, before).message  # also in request.headers
    before, after = _with_custom(customHeaders={"via": [{"value": "1.1 fake"}]})
    assert "(via)" in rejects("read-only-header", oreq, after, before).message
    before, after = _with_custom(customHeaders={"via": [{"key": "Via", "value": "1.1 configured"}]})
    before = copy(after)  # an origin whose custom headers hold a read-only one...
    del after["origin"]["custom"]["customHeaders"]["via"]  # ...which the function deletes
    assert "(via)" in rejects("read-only-header", oreq, after, before).message
    before, after = _with_custom(customHeaders={"x-a": {"value": "1"}})
    rejects("header-not-array", oreq, after, before)
    before, after = _with_custom(customHeaders=[])
    rejects("headers", oreq, after, before)


def _s3_before() -> dict:
    return origin_before(origin=s3_origin(domain_name="bucket.s3.amazonaws.com", auth_method="origin-access-identity",
                                          region="us-east-1"))


def test_s3_origin_accepted() -> None:
    before = _s3_before()
    after = copy(before)
    after["origin"]["s3"]["domainName"] = "other-bucket.s3.us-west-2.amazonaws.com"
    after["origin"]["s3"]["region"] = "us-west-2"
    after["origin"]["s3"]["path"] = "/assets"
    out = oreq(after, before, allowed_origin=lambda o: "s3" in o)
    assert out["origin"]["s3"]["domainName"] == "other-bucket.s3.us-west-2.amazonaws.com"
    assert list(out["origin"]["s3"]) == ["authMethod", "customHeaders", "domainName", "path", "region"]
    # custom -> s3 without OAI is fine, region optional then
    custom = origin_before()
    switched = edited(custom, origin={"s3": {"authMethod": "none", "domainName": "b.s3.amazonaws.com", "path": ""}})
    assert oreq(switched, custom)["origin"]["s3"]["region"] == ""


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"authMethod": "origin-access-control"}, "authMethod"),
        ({"region": ""}, "region"),
        ({"region": 1}, "region"),
        ({"domainName": "Bucket.s3.amazonaws.com"}, "lowercase"),
        ({"domainName": "b" * 100 + ".s3.amazonaws.com"}, "domainName"),
        ({"domainName": "192.168.0.1"}, "domainName"),
        ({"path": "/trailing/"}, "path"),
        ({"bucket": "x"}, "bucket"),
    ],
)
def test_s3_origin_rejected(change: dict, needle: str) -> None:
    before = _s3_before()
    after = copy(before)
    after["origin"]["s3"].update(change)
    assert needle in rejects("origin", oreq, after, before).message


def test_s3_origin_required_fields() -> None:
    before = _s3_before()
    for name in ("authMethod", "domainName", "path"):
        after = copy(before)
        del after["origin"]["s3"][name]
        assert name in rejects("origin", oreq, after, before).message


def test_s3_oai_not_allowed_when_switching_from_custom() -> None:
    before = origin_before()
    s3 = s3_origin(domain_name="bucket.s3.amazonaws.com", auth_method="origin-access-identity", region="us-east-1")
    err = rejects("origin", oreq, edited(before, origin=s3), before)
    assert "origin-access-identity" in err.message


# --- generated responses -----------------------------------------------------------------------


def test_generated_minimal() -> None:
    assert gen({"status": "200"}) == {"status": 200, "statusDescription": "OK", "headers": {}, "body": None}


def test_generated_aws_redirect_example() -> None:
    out = gen({
        "status": "302",
        "statusDescription": "Found",
        "headers": {"location": [{"key": "Location", "value": "https://docs.aws.amazon.com/lambda/"}]},
    }, "origin-request")
    assert out["status"] == 302 and out["headers"]["location"][0]["key"] == "Location" and out["body"] is None


def test_generated_basic_auth_example() -> None:
    out = gen({"status": "401", "statusDescription": "Unauthorized", "body": "Unauthorized",
               "headers": {"www-authenticate": [{"key": "WWW-Authenticate", "value": "Basic"}]}})
    assert out["body"] == b"Unauthorized"


@pytest.mark.parametrize("status", ["200", 200, "599", 599, 302, "404"])
def test_generated_status_accepted(status: object) -> None:
    assert gen({"status": status})["status"] == int(status)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", ["199", 199, "600", 600, "100", 0, "000"])
def test_generated_status_out_of_range(status: object) -> None:
    assert "outside" in rejects("status-range", gen, {"status": status}).message


@pytest.mark.parametrize("status", ["OK", "20", "2000", " 200", "200 ", True, 200.0, None, [200], "２００"])
def test_generated_status_malformed(status: object) -> None:
    assert "status" in rejects("status", gen, {"status": status}).message


def test_generated_status_description() -> None:
    assert gen({"status": 404})["statusDescription"] == "Not Found"
    assert gen({"status": 599})["statusDescription"] == ""
    assert gen({"status": 200, "statusDescription": "Fine"})["statusDescription"] == "Fine"
    rejects("status-description", gen, {"status": 200, "statusDescription": 5})
    rejects("status-description", gen, {"status": 200, "statusDescription": "OK\r\nX-Evil: 1"})


def test_generated_headers() -> None:
    out = gen({"status": 200, "headers": {"content-type": [{"value": "text/html"}]}})
    assert out["headers"] == {"content-type": [{"key": "Content-Type", "value": "text/html"}]}
    assert gen({"status": 200, "headers": None})["headers"] == {}
    rejects("headers", gen, {"status": 200, "headers": "content-type: text/html"})
    rejects("header-not-array", gen, {"status": 200, "headers": {"content-type": {"value": "x"}}})
    err = rejects("disallowed-header", gen, {"status": 200, "headers": {"x-cache": [{"value": "Hit"}]}})
    assert "(x-cache)" in err.message
    rejects("disallowed-header", gen, {"status": 200, "headers": {"connection": [{"value": "close"}]}})
    err = rejects("read-only-header", gen, {"status": 200, "headers": {"transfer-encoding": [{"value": "chunked"}]}})
    assert "(transfer-encoding)" in err.message


def test_generated_body_encodings() -> None:
    assert gen({"status": 200, "body": "hi"})["body"] == b"hi"
    assert gen({"status": 200, "body": "hi", "bodyEncoding": "text"})["body"] == b"hi"
    assert gen({"status": 200, "body": "aGk=", "bodyEncoding": "base64"})["body"] == b"hi"
    assert gen({"status": 200, "body": None})["body"] is None
    assert gen({"status": 200, "body": ""})["body"] == b""
    rejects("base64", gen, {"status": 200, "body": "aGk", "bodyEncoding": "base64"})
    rejects("base64", gen, {"status": 200, "body": "a*Gk=", "bodyEncoding": "base64"})
    assert "gzip" in rejects("body-encoding", gen, {"status": 200, "body": "x", "bodyEncoding": "gzip"}).message
    err = rejects("body", gen, {"status": 200, "body": {"data": "x"}})
    assert "The body is not a string" in err.message
    rejects("body", gen, {"status": 200, "body": 5})


def test_generated_204_with_body() -> None:
    assert "204" in rejects("204-body", gen, {"status": "204", "body": "x"}).message
    rejects("204-body", gen, {"status": 204, "body": "eA==", "bodyEncoding": "base64"}, "origin-request")
    assert gen({"status": "204"})["body"] is None
    assert gen({"status": "204", "body": ""})["body"] == b""  # empty is no body


@pytest.mark.parametrize(
    ("event_type", "limit"), [("viewer-request", VIEWER_BODY_LIMIT), ("origin-request", ORIGIN_BODY_LIMIT)]
)
def test_generated_size_counts_headers_and_body(event_type: str, limit: int) -> None:
    headers = {"content-type": [{"key": "Content-Type", "value": "text/plain"}]}
    header_bytes = len("Content-Type: text/plain\r\n")
    fits = {"status": 200, "headers": headers, "body": "a" * (limit - header_bytes)}
    assert len(gen(fits, event_type)["body"]) == limit - header_bytes
    over = {"status": 200, "headers": headers, "body": "a" * (limit - header_bytes + 1)}
    err = rejects("size", gen, over, event_type)
    assert str(limit) in err.message and event_type in err.message
    big_header = {"status": 200, "headers": {"x-big": [{"value": "v" * limit}]}}
    rejects("size", gen, big_header, event_type)


def test_generated_size_uses_decoded_body() -> None:
    data = base64.b64encode(b"a" * (VIEWER_BODY_LIMIT - 100)).decode()  # ~53 KB of base64 text
    assert len(gen({"status": 200, "body": data, "bodyEncoding": "base64"})["body"]) == VIEWER_BODY_LIMIT - 100


# --- modified responses --------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ["origin-response", "viewer-response"])
def test_modified_unchanged(event_type: str) -> None:
    before = response_before(event_type)
    out = mod(copy(before), event_type, before)
    assert out == {"status": 200, "statusDescription": "OK", "headers": before["headers"], "body": None}


def test_modified_security_headers_example() -> None:
    before = response_before()
    after = copy(before)
    after["headers"]["strict-transport-security"] = [
        {"key": "Strict-Transport-Security", "value": "max-age= 63072000; includeSubdomains; preload"}
    ]
    after["headers"]["x-frame-options"] = [{"value": "DENY"}]
    out = mod(after, before=before)
    assert out["headers"]["x-frame-options"] == [{"key": "X-Frame-Options", "value": "DENY"}]
    assert out["body"] is None


def test_origin_response_status_change() -> None:
    before = response_before(status=404, reason="Not Found")
    out = mod(edited(before, status=200, statusDescription="OK", body="found it"), before=before)
    assert (out["status"], out["statusDescription"], out["body"]) == (200, "OK", b"found it")
    after = edited(before, status="302")  # numeric string
    del after["statusDescription"]
    assert mod(after, before=before)["statusDescription"] == "Found"  # phrase follows the new status
    after = copy(before)
    del after["statusDescription"]
    assert mod(after, before=before)["statusDescription"] == "Not Found"  # unchanged status keeps its text
    rejects("status-range", mod, edited(before, status=700), before=before)
    rejects("status-range", mod, edited(before, status="101"), before=before)


def test_modified_status_required() -> None:
    before = response_before()
    after = copy(before)
    del after["status"]
    rejects("status", mod, after, before=before)


def test_viewer_response_status_change() -> None:
    before = response_before("viewer-response")
    err = rejects("status-change", mod, edited(before, status="500"), "viewer-response", before)
    assert "200" in err.message and "500" in err.message
    out = mod(edited(before, status="500"), "viewer-response", before, allow_status_change=True)
    assert out["status"] == 500
    assert mod(edited(before, status=200), "viewer-response", before)["status"] == 200  # same code, as a number


@pytest.mark.parametrize(
    ("event_type", "name", "action", "rule"),
    [
        ("origin-response", "via", "change", "read-only-header"),
        ("origin-response", "transfer-encoding", "delete", "read-only-header"),
        ("viewer-response", "warning", "change", "read-only-header"),
        ("viewer-response", "via", "delete", "read-only-header"),
        ("viewer-response", "transfer-encoding", "add", None),  # only read-only for origin-response
        ("origin-response", "warning", "add", None),
        ("origin-response", "server", "delete", None),
        ("origin-response", "x-cache", "add", "disallowed-header"),
        ("viewer-response", "x-amz-cf-pop", "add", "disallowed-header"),
        ("viewer-response", "content-type", "change", None),
    ],
)
def test_modified_header_rules(event_type: str, name: str, action: str, rule: str | None) -> None:
    before = response_before(event_type)
    after = copy(before)
    if action == "change":
        after["headers"][name] = [{"value": "changed"}]
    elif action == "delete":
        del after["headers"][name]
    else:
        after["headers"][name] = [{"value": "added"}]
    if rule is None:
        mod(after, event_type, before)
    else:
        assert f"({name})" in rejects(rule, mod, after, event_type, before).message


def test_modified_headers_required() -> None:
    before = response_before()
    after = copy(before)
    del after["headers"]
    rejects("headers", mod, after, before=before)
    after["headers"] = {"content-type": "text/html"}
    rejects("header-not-array", mod, after, before=before)


@pytest.mark.parametrize(
    ("event_type", "limit"), [("viewer-response", VIEWER_BODY_LIMIT), ("origin-response", ORIGIN_BODY_LIMIT)]
)
def test_modified_size_counts_headers_and_body(event_type: str, limit: int) -> None:
    """A body the function sets counts with the headers it added; the headers it was given do not
    (an origin's own headers, passed through, are no function's doing)."""
    before = response_before(event_type)
    assert len(mod(edited(before, body="a" * limit), event_type, before)["body"]) == limit
    err = rejects("size", mod, edited(before, body="a" * (limit + 1)), event_type, before)
    assert f"is {limit + 1} bytes (0 bytes of headers added and {limit + 1} of body)" in err.message
    assert f"the maximum is {limit} bytes" in err.message and event_type in err.message
    added = edited(before, body="a" * (limit - 1000))
    added["headers"]["x-added"] = [{"key": "X-Added", "value": "v" * (1000 - len("X-Added: \r\n"))}]
    assert mod(added, event_type, before)["headers"]["x-added"]
    added["headers"]["x-added"] = [{"key": "X-Added", "value": "v" * (1001 - len("X-Added: \r\n"))}]
    err = rejects("size", mod, added, event_type, before)
    assert f"is {limit + 1} bytes (1001 bytes of headers added and {limit - 1000} of body)" in err.message


@pytest.mark.parametrize(
    ("event_type", "limit"), [("viewer-response", VIEWER_BODY_LIMIT), ("origin-response", ORIGIN_BODY_LIMIT)]
)
def test_a_header_added_to_a_kept_body_counts_alone(event_type: str, limit: int) -> None:
    """A response keeping the origin's body (any size) may not gain more headers than the limit."""
    before = response_before(event_type)
    after = copy(before)
    after["headers"]["x-large"] = [{"value": "h" * (limit + 10)}]
    err = rejects("size", mod, after, event_type, before)
    assert "bytes of headers added)" in err.message and f"the maximum is {limit} bytes" in err.message
    after["headers"]["x-large"] = [{"value": "h" * 4000}]
    assert mod(after, event_type, before)["body"] is None


def test_headers_given_over_the_limit_pass_through_a_function_that_leaves_them() -> None:
    """An origin's 45 KB of headers through a viewer-response function that changes nothing (or
    sets a small body) are not the function's 40 KB: only what it adds counts."""
    before = response_before("viewer-response")
    before["headers"]["content-security-policy"] = [{"key": "Content-Security-Policy", "value": "c" * 45_000}]
    assert mod(copy(before), "viewer-response", before)["headers"]["content-security-policy"]
    assert mod(edited(before, body="small"), "viewer-response", before)["body"] == b"small"


@pytest.mark.parametrize("call, before", [(vreq, viewer_before), (oreq, origin_before)])
def test_a_request_given_over_the_bound_passes_when_the_function_does_not_grow_it(
        call: Callable[..., dict], before: Callable[[], dict]) -> None:
    """The edge's own headers (Via, X-Forwarded-For, CloudFront-*) can take a viewer's request just
    under the front door's bound past it before the function runs: passing it on is no fault."""
    request = before()
    request["headers"]["x-near"] = [{"key": "X-Near", "value": "n" * 20_500}]
    assert call(copy(request), request)["headers"]["x-near"]
    grown = copy(request)
    grown["headers"]["x-more"] = [{"key": "X-More", "value": "m"}]
    rejects("size", call, grown, request)


def test_non_ascii_header_values_count_one_byte_each() -> None:
    """ISO-8859-1 on the wire: `é` is one byte there."""
    before = response_before("viewer-response")
    head = sum(len(e["key"]) + len(e["value"]) + 4 for entries in before["headers"].values() for e in entries)
    after = copy(before)
    after["headers"]["x-e"] = [{"key": "X-E", "value": "é" * (VIEWER_BODY_LIMIT - head - len("X-E: \r\n"))}]
    assert mod(after, "viewer-response", before)["headers"]["x-e"]


def test_modified_body_encoding() -> None:
    before = response_before()
    assert mod(edited(before, body="PGgxPg==", bodyEncoding="base64"), before=before)["body"] == b"<h1>"
    rejects("base64", mod, edited(before, body="PGgxPg=", bodyEncoding="base64"), before=before)
    rejects("body-encoding", mod, edited(before, body="x", bodyEncoding="binary"), before=before)
    rejects("body", mod, edited(before, body=["x"]), before=before)


def test_modified_204_with_body() -> None:
    before = response_before()
    rejects("204-body", mod, edited(before, status=204, body="gone"), before=before)
    assert mod(edited(before, status=204), before=before)["status"] == 204


def test_validation_does_not_mutate_inputs() -> None:
    before = origin_before()
    after = copy(before)
    after["headers"]["x-new"] = [{"value": "1"}]
    snapshot_before, snapshot_after = copy(before), copy(after)
    oreq(after, before)
    assert before == snapshot_before and after == snapshot_after


def test_a_repeated_generated_response_reuses_its_validation_and_a_changed_one_is_checked_again():
    """pipeline/hooks.py memoises a version's last generated response per event type."""
    import orjson

    from edge.pipeline.hooks import MEMO_MAX_RESULT, _validated_generated

    memo: dict = {}
    good = {"status": "302", "headers": {"location": [{"key": "Location", "value": "/new"}]}}
    raw = orjson.dumps(good)
    first = _validated_generated(memo, "viewer-request", raw, orjson.loads(raw))
    assert first["status"] == 302 and first["statusDescription"] == "Found"
    assert _validated_generated(memo, "viewer-request", raw, orjson.loads(raw)) is first  # reused
    bad = {"status": "302", "headers": {"location": {"key": "Location", "value": "/new"}}}  # not an array
    with pytest.raises(ValidationError) as failure:
        _validated_generated(memo, "viewer-request", orjson.dumps(bad), bad)
    assert failure.value.rule == "header-not-array"
    assert _validated_generated(memo, "origin-request", raw, orjson.loads(raw)) is not first  # per event type
    big = {"status": "200", "body": "x" * MEMO_MAX_RESULT}  # origin-request allows up to 1 MB
    raw_big = orjson.dumps(big)
    assert _validated_generated(memo, "origin-request", raw_big, big) is not _validated_generated(
        memo, "origin-request", raw_big, big
    )  # large results are validated every time
