"""Event building: the AWS sample events must be reproducible, and headers/bodies/ids must look like CloudFront's."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import orjson
import pytest

from edge.pipeline import events
from edge.pipeline.events import (
    EVENT_TYPES,
    ORIGIN_BODY_LIMIT,
    VIEWER_BODY_LIMIT,
    build_event,
    custom_origin,
    event_config,
    new_request_id,
    origin_request,
    request_body,
    response_object,
    s3_origin,
    viewer_request,
)
from edge.pipeline.headers import (
    DISALLOWED,
    READ_ONLY,
    default_key,
    from_cf_headers,
    is_disallowed,
    to_cf_headers,
)

REFERENCE = Path("/work/shared/reference/lambda-edge.md")

# Copied verbatim from the AWS documentation's Lambda@Edge event structure examples.
SAMPLES: dict[str, str] = {}

SAMPLES["viewer-request"] = """
{
  "Records": [
    {
      "cf": {
        "config": {
          "distributionDomainName": "d111111abcdef8.cloudfront.net",
          "distributionId": "EDFDVBD6EXAMPLE",
          "eventType": "viewer-request",
          "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
        },
        "request": {
          "clientIp": "203.0.113.178",
          "headers": {
            "host": [{"key": "Host", "value": "d111111abcdef8.cloudfront.net"}],
            "user-agent": [{"key": "User-Agent", "value": "curl/7.66.0"}],
            "accept": [{"key": "accept", "value": "*/*"}]
          },
          "method": "GET",
          "querystring": "",
          "uri": "/"
        }
      }
    }
  ]
}
"""

SAMPLES["origin-request"] = """
{
  "Records": [
    {
      "cf": {
        "config": {
          "distributionDomainName": "d111111abcdef8.cloudfront.net",
          "distributionId": "EDFDVBD6EXAMPLE",
          "eventType": "origin-request",
          "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
        },
        "request": {
          "clientIp": "203.0.113.178",
          "headers": {
            "x-forwarded-for": [{"key": "X-Forwarded-For", "value": "203.0.113.178"}],
            "user-agent": [{"key": "User-Agent", "value": "Amazon CloudFront"}],
            "via": [{"key": "Via", "value": "2.0 2afae0d44e2540f472c0635ab62c232b.cloudfront.net (CloudFront)"}],
            "host": [{"key": "Host", "value": "example.org"}],
            "cache-control": [{"key": "Cache-Control", "value": "no-cache, cf-no-cache"}]
          },
          "method": "GET",
          "origin": {
            "custom": {
              "customHeaders": {},
              "domainName": "example.org",
              "keepaliveTimeout": 5,
              "path": "",
              "port": 443,
              "protocol": "https",
              "readTimeout": 30,
              "sslProtocols": ["TLSv1", "TLSv1.1", "TLSv1.2"]
            }
          },
          "querystring": "",
          "uri": "/"
        }
      }
    }
  ]
}
"""

SAMPLES["origin-response"] = """
{
  "Records": [
    {
      "cf": {
        "config": {
          "distributionDomainName": "d111111abcdef8.cloudfront.net",
          "distributionId": "EDFDVBD6EXAMPLE",
          "eventType": "origin-response",
          "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
        },
        "request": {
          "clientIp": "203.0.113.178",
          "headers": {
            "x-forwarded-for": [{"key": "X-Forwarded-For", "value": "203.0.113.178"}],
            "user-agent": [{"key": "User-Agent", "value": "Amazon CloudFront"}],
            "via": [{"key": "Via", "value": "2.0 8f22423015641505b8c857a37450d6c0.cloudfront.net (CloudFront)"}],
            "host": [{"key": "Host", "value": "example.org"}],
            "cache-control": [{"key": "Cache-Control", "value": "no-cache, cf-no-cache"}]
          },
          "method": "GET",
          "origin": {
            "custom": {
              "customHeaders": {},
              "domainName": "example.org",
              "keepaliveTimeout": 5,
              "path": "",
              "port": 443,
              "protocol": "https",
              "readTimeout": 30,
              "sslProtocols": ["TLSv1", "TLSv1.1", "TLSv1.2"]
            }
          },
          "querystring": "",
          "uri": "/"
        },
        "response": {
          "headers": {
            "access-control-allow-credentials": [{"key": "Access-Control-Allow-Credentials", "value": "true"}],
            "access-control-allow-origin": [{"key": "Access-Control-Allow-Origin", "value": "*"}],
            "date": [{"key": "Date", "value": "Mon, 13 Jan 2020 20:12:38 GMT"}],
            "referrer-policy": [{"key": "Referrer-Policy", "value": "no-referrer-when-downgrade"}],
            "server": [{"key": "Server", "value": "ExampleCustomOriginServer"}],
            "x-content-type-options": [{"key": "X-Content-Type-Options", "value": "nosniff"}],
            "x-frame-options": [{"key": "X-Frame-Options", "value": "DENY"}],
            "x-xss-protection": [{"key": "X-XSS-Protection", "value": "1; mode=block"}],
            "content-type": [{"key": "Content-Type", "value": "text/html; charset=utf-8"}],
            "content-length": [{"key": "Content-Length", "value": "9593"}]
          },
          "status": "200",
          "statusDescription": "OK"
        }
      }
    }
  ]
}
"""

SAMPLES["viewer-response"] = """
{
  "Records": [
    {
      "cf": {
        "config": {
          "distributionDomainName": "d111111abcdef8.cloudfront.net",
          "distributionId": "EDFDVBD6EXAMPLE",
          "eventType": "viewer-response",
          "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
        },
        "request": {
          "clientIp": "203.0.113.178",
          "headers": {
            "host": [{"key": "Host", "value": "d111111abcdef8.cloudfront.net"}],
            "user-agent": [{"key": "User-Agent", "value": "curl/7.66.0"}],
            "accept": [{"key": "accept", "value": "*/*"}]
          },
          "method": "GET",
          "querystring": "",
          "uri": "/"
        },
        "response": {
          "headers": {
            "access-control-allow-credentials": [{"key": "Access-Control-Allow-Credentials", "value": "true"}],
            "access-control-allow-origin": [{"key": "Access-Control-Allow-Origin", "value": "*"}],
            "date": [{"key": "Date", "value": "Mon, 13 Jan 2020 20:14:56 GMT"}],
            "referrer-policy": [{"key": "Referrer-Policy", "value": "no-referrer-when-downgrade"}],
            "server": [{"key": "Server", "value": "ExampleCustomOriginServer"}],
            "x-content-type-options": [{"key": "X-Content-Type-Options", "value": "nosniff"}],
            "x-frame-options": [{"key": "X-Frame-Options", "value": "DENY"}],
            "x-xss-protection": [{"key": "X-XSS-Protection", "value": "1; mode=block"}],
            "age": [{"key": "Age", "value": "2402"}],
            "content-type": [{"key": "Content-Type", "value": "text/html; charset=utf-8"}],
            "content-length": [{"key": "Content-Length", "value": "9593"}]
          },
          "status": "200",
          "statusDescription": "OK"
        }
      }
    }
  ]
}
"""

DOMAIN = "d111111abcdef8.cloudfront.net"
DIST_ID = "EDFDVBD6EXAMPLE"
REQUEST_ID = "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="

VIEWER_HEADERS = [
    ("Host", "d111111abcdef8.cloudfront.net"),
    ("User-Agent", "curl/7.66.0"),
    ("accept", "*/*"),
]
ORIGIN_HEADERS = [
    ("X-Forwarded-For", "203.0.113.178"),
    ("User-Agent", "Amazon CloudFront"),
    ("Via", "2.0 2afae0d44e2540f472c0635ab62c232b.cloudfront.net (CloudFront)"),
    ("Host", "example.org"),
    ("Cache-Control", "no-cache, cf-no-cache"),
]
RESPONSE_HEADERS = [
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Allow-Origin", "*"),
    ("Date", "Mon, 13 Jan 2020 20:12:38 GMT"),
    ("Referrer-Policy", "no-referrer-when-downgrade"),
    ("Server", "ExampleCustomOriginServer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("X-XSS-Protection", "1; mode=block"),
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Length", "9593"),
]


def _sample(name: str) -> dict:
    return orjson.loads(SAMPLES[name])


def _viewer_req() -> dict:
    return viewer_request(client_ip="203.0.113.178", method="GET", uri="/", querystring="", headers=VIEWER_HEADERS)


def _origin() -> dict:
    return custom_origin(domain_name="example.org", port=443, protocol="https", ssl_protocols=["TLSv1", "TLSv1.1", "TLSv1.2"])


def _origin_req(via: str) -> dict:
    pairs = [(k, via if k == "Via" else v) for k, v in ORIGIN_HEADERS]
    return origin_request(_viewer_req(), origin=_origin(), forwarded_headers=to_cf_headers(pairs))


# --- the four AWS sample events ------------------------------------------------------------------


def test_viewer_request_sample_is_reproduced() -> None:
    config = event_config(DOMAIN, DIST_ID, "viewer-request", REQUEST_ID)
    event = build_event(config, _viewer_req())
    assert orjson.loads(event) == _sample("viewer-request")


def test_origin_request_sample_is_reproduced() -> None:
    config = event_config(DOMAIN, DIST_ID, "origin-request", REQUEST_ID)
    request = _origin_req("2.0 2afae0d44e2540f472c0635ab62c232b.cloudfront.net (CloudFront)")
    assert orjson.loads(build_event(config, request)) == _sample("origin-request")


def test_origin_response_sample_is_reproduced() -> None:
    config = event_config(DOMAIN, DIST_ID, "origin-response", REQUEST_ID)
    request = _origin_req("2.0 8f22423015641505b8c857a37450d6c0.cloudfront.net (CloudFront)")
    response = response_object(200, "OK", RESPONSE_HEADERS)
    assert orjson.loads(build_event(config, request, response)) == _sample("origin-response")


def test_viewer_response_sample_is_reproduced() -> None:
    config = event_config(DOMAIN, DIST_ID, "viewer-response", REQUEST_ID)
    headers = [(k, "Mon, 13 Jan 2020 20:14:56 GMT" if k == "Date" else v) for k, v in RESPONSE_HEADERS]
    headers.insert(8, ("Age", "2402"))
    response = response_object(200, "", headers)  # reason comes from http.HTTPStatus
    assert orjson.loads(build_event(config, _viewer_req(), response)) == _sample("viewer-response")


def test_samples_key_order_matches_aws() -> None:
    """Beyond equality: keys come out in the order AWS prints them (diff-friendly events)."""
    config = event_config(DOMAIN, DIST_ID, "origin-response", REQUEST_ID)
    request = _origin_req("2.0 8f22423015641505b8c857a37450d6c0.cloudfront.net (CloudFront)")
    ours = orjson.loads(build_event(config, request, response_object(200, "OK", RESPONSE_HEADERS)))
    theirs = _sample("origin-response")
    cf, ref = ours["Records"][0]["cf"], theirs["Records"][0]["cf"]
    assert list(cf) == list(ref)
    assert list(cf["config"]) == list(ref["config"])
    assert list(cf["request"]) == list(ref["request"])
    assert list(cf["request"]["origin"]["custom"]) == list(ref["request"]["origin"]["custom"])
    assert list(cf["request"]["headers"]) == list(ref["request"]["headers"])
    assert list(cf["response"]) == list(ref["response"])
    assert list(cf["response"]["headers"]) == list(ref["response"]["headers"])


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference document not available")
def test_embedded_samples_match_reference_document() -> None:
    """Guards the copies above against drifting from the reference's json blocks."""
    blocks = re.findall(r"```json\n(.*?)```", REFERENCE.read_text(), re.S)
    by_type = {}
    for block in blocks:
        event = orjson.loads(block)
        by_type.setdefault(event["Records"][0]["cf"]["config"]["eventType"], event)
    for name in EVENT_TYPES:
        assert by_type[name] == _sample(name)


def test_build_event_has_no_response_for_request_events() -> None:
    event = orjson.loads(build_event(event_config(DOMAIN, DIST_ID, "viewer-request", "x"), _viewer_req()))
    assert list(event["Records"][0]["cf"]) == ["config", "request"]
    assert isinstance(build_event({}, {}), bytes)


# --- config and request ids ----------------------------------------------------------------------


def test_event_config_rejects_unknown_event_type() -> None:
    with pytest.raises(ValueError):
        event_config(DOMAIN, DIST_ID, "viewer-resp", REQUEST_ID)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_event_config_fields(event_type: str) -> None:
    assert event_config("d.example", "E1", event_type, "rid") == {
        "distributionDomainName": "d.example",
        "distributionId": "E1",
        "eventType": event_type,
        "requestId": "rid",
    }


def test_request_id_looks_like_cloudfront() -> None:
    ids = {new_request_id() for _ in range(200)}
    assert len(ids) == 200
    for rid in ids:
        assert len(rid) == 56
        assert re.fullmatch(r"[A-Za-z0-9_-]{54}==", rid)
        assert len(base64.urlsafe_b64decode(rid)) == 40
    # Same shape as a real id (from a CloudFront error page). The docs' sample id is
    # 57 chars long, so it is not a usable model.
    assert re.fullmatch(r"[A-Za-z0-9_-]{54}==", "3Ibv7uyyHp5s-gaTbJTx4DqfdTQMU9hkeC4haV-rG6fmh3mqmtlllw==")


# --- headers -------------------------------------------------------------------------------------


def test_to_cf_headers_keeps_case_order_and_repeats() -> None:
    pairs = [("Set-Cookie", "a=1"), ("content-type", "text/plain"), ("SET-COOKIE", "b=2"), ("X-Foo", "")]
    assert to_cf_headers(pairs) == {
        "set-cookie": [{"key": "Set-Cookie", "value": "a=1"}, {"key": "SET-COOKIE", "value": "b=2"}],
        "content-type": [{"key": "content-type", "value": "text/plain"}],
        "x-foo": [{"key": "X-Foo", "value": ""}],
    }
    assert list(to_cf_headers(pairs)) == ["set-cookie", "content-type", "x-foo"]


def test_headers_round_trip() -> None:
    pairs = [("Host", "a"), ("accept", "*/*"), ("Cookie", "x=1"), ("COOKIE", "y=2"), ("X-Multi", "1, 2")]
    assert from_cf_headers(to_cf_headers(pairs)) == pairs


def test_round_trip_groups_interleaved_names() -> None:
    """The map cannot remember interleaving: values of one name stay together, in order."""
    pairs = [("A", "1"), ("B", "2"), ("a", "3")]
    assert from_cf_headers(to_cf_headers(pairs)) == [("A", "1"), ("a", "3"), ("B", "2")]


def test_from_cf_headers_fills_missing_keys() -> None:
    headers = {
        "user-agent": [{"value": "curl"}],
        "x-xss-protection": [{"value": "1"}],
        "etag": [{"key": "", "value": "abc"}],
        "accept": [{"key": "accept", "value": "*/*"}],
    }
    assert from_cf_headers(headers) == [
        ("User-Agent", "curl"),
        ("X-Xss-Protection", "1"),
        ("Etag", "abc"),
        ("accept", "*/*"),
    ]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("user-agent", "User-Agent"),
        ("host", "Host"),
        ("x-amz-meta-a", "X-Amz-Meta-A"),
        ("www-authenticate", "Www-Authenticate"),
    ],
)
def test_default_key(name: str, key: str) -> None:
    assert default_key(name) == key


@pytest.mark.parametrize(
    "name",
    ["Connection", "keep-alive", "X-Amz-Cf-Id", "x-amz-cf-pop", "X-Edge-Location", "x-edge-anything", "X-Cache",
     "X-Forwarded-Proto", "X-Real-IP", "X-Amzn-RequestId", "Upgrade", "Proxy-Connection"],
)
def test_disallowed_headers(name: str) -> None:
    assert is_disallowed(name)


@pytest.mark.parametrize(
    "name",
    ["Host", "Via", "x-amz-meta-foo", "x-amzn-trace-id", "x-edges", "CloudFront-Viewer-Country", "x-forwarded-for"],
)
def test_allowed_headers(name: str) -> None:
    assert not is_disallowed(name)


def test_disallowed_set_is_lowercase_and_complete() -> None:
    assert all(name == name.lower() for name in DISALLOWED)
    assert len(DISALLOWED) == 25  # AWS's disallowed-headers list has 27 entries, two of which are the X-Amz-Cf-* / X-Edge-* prefixes


def test_read_only_table() -> None:
    assert set(READ_ONLY) == set(EVENT_TYPES)
    assert "host" in READ_ONLY["viewer-request"]
    assert "host" not in READ_ONLY["origin-request"]  # AWS examples rewrite Host when switching origin
    assert READ_ONLY["origin-response"] == {"transfer-encoding", "via"}
    assert READ_ONLY["viewer-response"] == {"warning", "via"}
    assert "if-none-match" in READ_ONLY["origin-request"]
    assert all(name == name.lower() for names in READ_ONLY.values() for name in names)


# --- request objects -----------------------------------------------------------------------------


def test_viewer_request_hides_disallowed_headers() -> None:
    req = viewer_request(
        client_ip="::1",
        method="GET",
        uri="/a",
        querystring="b=1",
        headers=[("Host", "h"), ("Connection", "keep-alive"), ("X-Forwarded-Proto", "https"), ("X-Amz-Cf-Id", "x")],
    )
    assert list(req["headers"]) == ["host"]
    assert list(req) == ["clientIp", "headers", "method", "querystring", "uri"]


def test_viewer_request_with_body() -> None:
    req = viewer_request(
        client_ip="1.2.3.4", method="POST", uri="/", querystring="", headers=[], body=b"hello", include_body=True
    )
    assert list(req) == ["body", "clientIp", "headers", "method", "querystring", "uri"]
    assert req["body"] == {"inputTruncated": False, "action": "read-only", "encoding": "base64", "data": "aGVsbG8="}


def test_viewer_request_body_only_when_included() -> None:
    req = viewer_request(client_ip="1.2.3.4", method="POST", uri="/", querystring="", headers=[], body=b"hello")
    assert "body" not in req
    empty = viewer_request(client_ip="1.2.3.4", method="GET", uri="/", querystring="", headers=[], include_body=True)
    assert empty["body"]["data"] == "" and empty["body"]["inputTruncated"] is False


def test_field_complete_sample_body_decodes() -> None:
    """The reference's body sample: our encoding of that JSON gives the same data string."""
    body = b'{"username":"Lambda@Edge","comment":"This is request body"}'
    assert request_body(body, "viewer-request")["data"] == (
        "eyJ1c2VybmFtZSI6IkxhbWJkYUBFZGdlIiwiY29tbWVudCI6IlRoaXMgaXMgcmVxdWVzdCBib2R5In0="
    )


@pytest.mark.parametrize(
    ("event_type", "limit"), [("viewer-request", VIEWER_BODY_LIMIT), ("origin-request", ORIGIN_BODY_LIMIT)]
)
def test_request_body_truncation(event_type: str, limit: int) -> None:
    exact = request_body(b"a" * limit, event_type)
    assert exact["inputTruncated"] is False
    assert len(base64.b64decode(exact["data"])) == limit
    over = request_body(b"a" * limit + b"bcd", event_type)
    assert over["inputTruncated"] is True
    assert base64.b64decode(over["data"]) == b"a" * limit


def test_body_limits() -> None:
    assert VIEWER_BODY_LIMIT == 40 * 1024 and ORIGIN_BODY_LIMIT == 1024 * 1024
    assert events.body_limit("viewer-response") == VIEWER_BODY_LIMIT
    assert events.body_limit("origin-response") == ORIGIN_BODY_LIMIT


@pytest.mark.parametrize("event_type", ["origin-response", "viewer-response", "nope"])
def test_request_body_only_for_request_events(event_type: str) -> None:
    with pytest.raises(ValueError):
        request_body(b"x", event_type)


def test_origin_request_takes_viewer_fields_and_own_headers() -> None:
    viewer = viewer_request(client_ip="203.0.113.9", method="PUT", uri="/x", querystring="q=1", headers=[("Host", "v")])
    forwarded = to_cf_headers([("Host", "origin.example"), ("X-Amz-Cf-Id", "abc"), ("Via", "2.0 x")])
    req = origin_request(viewer, origin=_origin(), forwarded_headers=forwarded, body=b"x" * 50_000, include_body=True)
    assert list(req) == ["body", "clientIp", "headers", "method", "origin", "querystring", "uri"]
    assert (req["clientIp"], req["method"], req["querystring"], req["uri"]) == ("203.0.113.9", "PUT", "q=1", "/x")
    assert list(req["headers"]) == ["host", "via"]  # X-Amz-Cf-* is never exposed
    assert req["body"]["inputTruncated"] is False  # 1 MB cap for origin-request, not 40 KB
    forwarded["host"][0]["value"] = "changed"
    assert req["headers"]["host"][0]["value"] == "origin.example"  # event does not alias the caller's dict


def test_custom_origin_defaults_and_order() -> None:
    origin = custom_origin(domain_name="example.org", port=80, protocol="http")
    assert origin == {
        "custom": {
            "customHeaders": {},
            "domainName": "example.org",
            "keepaliveTimeout": 5,
            "path": "",
            "port": 80,
            "protocol": "http",
            "readTimeout": 30,
            "sslProtocols": ["TLSv1.2"],
        }
    }
    assert list(origin["custom"]) == sorted(origin["custom"])


def test_custom_origin_all_fields() -> None:
    ch = to_cf_headers([("My-Origin-Custom-Header", "Test")])
    origin = custom_origin(
        domain_name="example.com", port=443, protocol="https", path="/custom_path", read_timeout=5,
        keepalive_timeout=5, custom_headers=ch, ssl_protocols=["TLSv1", "TLSv1.1"],
    )
    assert origin["custom"]["customHeaders"] == {
        "my-origin-custom-header": [{"key": "My-Origin-Custom-Header", "value": "Test"}]
    }
    assert origin["custom"]["readTimeout"] == 5 and origin["custom"]["path"] == "/custom_path"


def test_s3_origin() -> None:
    origin = s3_origin(
        domain_name="my-bucket.s3.amazonaws.com",
        auth_method="origin-access-identity",
        region="us-east-1",
        path="/s3_path",
    )
    assert list(origin["s3"]) == ["authMethod", "customHeaders", "domainName", "path", "region"]


# --- response objects ----------------------------------------------------------------------------


def test_response_object_shape() -> None:
    resp = response_object(404, "", [("Content-Type", "text/plain"), ("Connection", "close"), ("X-Cache", "Miss")])
    assert resp == {
        "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}]},
        "status": "404",
        "statusDescription": "Not Found",
    }
    assert "body" not in resp  # CloudFront never exposes the origin body


def test_response_object_reason() -> None:
    assert response_object(200, "Fine", [])["statusDescription"] == "Fine"
    assert response_object(599, "", [])["statusDescription"] == ""  # not an HTTPStatus member
    assert response_object(418, "", [])["statusDescription"] == "I'm a Teapot"


def test_normal_paths_are_remembered_and_bad_targets_refused_every_time() -> None:
    from edge.pipeline import uri

    for _ in range(2):  # the second time from the memo
        assert uri.normalize_path(b"/%70rivate/%2f%7e") == "/private/%2F~"
        with pytest.raises(uri.BadTarget):
            uri.normalize_path(b"/a%zz")
        with pytest.raises(uri.BadTarget):
            uri.normalize_path(b"/" + b"a" * uri.MAX_URI)
    cases = {b"/a/./b": "/a/b", b"/a/b/..": "/a/", b"/a/b/.": "/a/b/", b"/..": "/", b"/../../x": "/x",
             b"/a/.hidden/..b": "/a/.hidden/..b", b"/a//../b": "/a/b", b"/%2E%2e/x": "/x", b"/p/.%2e/q": "/q"}
    for raw, normal in cases.items():  # RFC 3986 remove_dot_segments, after the escapes
        assert uri.normalize_path(raw) == normal, raw
    long_path = b"/" + b"b" * uri.NORMALIZED_MAX
    assert uri.normalize_path(long_path) == long_path.decode() and long_path not in uri._NORMALIZED
    for i in range(uri.NORMALIZED_MEMO + 10):  # bounded: cleared when full
        uri.normalize_path(b"/p%d" % i)
    assert len(uri._NORMALIZED) <= uri.NORMALIZED_MEMO


def test_a_forked_child_makes_request_ids_of_its_own() -> None:
    import os

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, to the parent
        try:
            os.write(write, new_request_id().encode())
        finally:
            os._exit(0)
    os.close(write)
    child = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(pid, 0)
    mine = new_request_id()
    assert len(child) == 56 and child[:32] != mine[:32]  # another per-process prefix
