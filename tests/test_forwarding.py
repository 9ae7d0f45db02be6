"""What reaches the origin: the cache policy (the key) and the origin request policy
(`forward`), as CloudFront separates them — through the real server and a real origin."""

from __future__ import annotations

import pytest

from edge.config.errors import ConfigError
from edge.config.policies import parse_forward_policy

from . import modules as M
from .test_pipeline import events_seen, start


def seen(origin) -> dict:  # type: ignore[no-untyped-def]
    last = origin.requests[-1]
    return {"query": last["query"], "headers": {k.lower(): v for k, v in last["headers"]}}


def test_default_policy_sends_no_query_string_and_cannot_be_poisoned(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/page*"\norigin = "api"\n')
    first = edge.get("/page?x=1")
    assert first.headers["x-cache"] == "Miss from edge" and seen(fresh_origin)["query"] == ""
    second = edge.get("/page?x=2")
    assert second.headers["x-cache"] == "Hit from edge" and second.text == first.text
    assert fresh_origin.hits["/page"] == 1  # the origin never made a page for ?x=1


def test_whitelisted_query_strings_are_keyed_and_forwarded_alone(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/q*"
origin = "api"
origin_request = "oreq"
cache = { query_strings = ["x"] }
""", {"oreq": M.PASS_REQUEST})
    edge.get("/q?utm=a&x=1&y=2")
    assert seen(fresh_origin)["query"] == "x=1"
    (event,) = events_seen(edge, "oreq")
    assert event["Records"][0]["cf"]["request"]["querystring"] == "x=1"  # the event shows what is sent
    assert edge.get("/q?x=1&y=3").headers["x-cache"] == "Hit from edge"
    assert edge.get("/q?x=2").headers["x-cache"] == "Miss from edge"


def test_all_except_and_forwarded_beyond_the_key(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/ae*"
origin = "api"
cache = { query_strings = { all_except = ["utm"] } }

[[behaviors]]
path = "/fw*"
origin = "api"
forward = { query_strings = "all" }
""")
    edge.get("/ae?a=1&utm=x&b=%20")
    assert seen(fresh_origin)["query"] == "a=1&b=%20"  # the viewer's order and encoding
    assert edge.get("/ae?a=1&utm=y&b=%20").headers["x-cache"] == "Hit from edge"
    edge.get("/fw?v=1&w=2")
    assert seen(fresh_origin)["query"] == "v=1&w=2"


def test_cookies_go_only_when_a_policy_includes_them(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/c1*"
origin = "api"

[[behaviors]]
path = "/c2*"
origin = "api"
cache = { cookies = ["session"] }
forward = { cookies = { all_except = ["tracking"] } }
""")
    edge.get("/c1", headers={"Cookie": "session=s1; theme=dark"})
    assert "cookie" not in seen(fresh_origin)["headers"]
    edge.get("/c2", headers={"Cookie": "session=s1; theme=dark; tracking=t"})
    assert seen(fresh_origin)["headers"]["cookie"] == "session=s1; theme=dark"


def test_default_headers_follow_cloudfronts_legacy_settings(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/h1*"
origin = "api"

[[behaviors]]
path = "/h2*"
origin = "api"
cache = { headers = ["accept-language"] }

[[behaviors]]
path = "/h3*"
origin = "api"
methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
forward = { headers = "none" }

[[behaviors]]
path = "/h4*"
origin = "api"
forward = { headers = "all" }
""")
    viewer = {"X-Custom": "1", "Accept-Language": "de", "Referer": "https://r/", "Authorization": "Bearer t",
              "User-Agent": "curl/8", "Accept": "text/html"}
    edge.get("/h1", headers=viewer)
    h = seen(fresh_origin)["headers"]
    assert h["x-custom"] == "1" and h["user-agent"] == "Amazon CloudFront"
    assert not {"accept-language", "referer", "authorization", "accept"} & set(h)
    assert h["host"].startswith("127.0.0.1:")
    edge.get("/h2", headers=viewer)
    h = seen(fresh_origin)["headers"]
    assert h["accept-language"] == "de" and "referer" not in h
    edge.request("POST", "/h3", headers=viewer | {"Content-Type": "text/plain"}, content=b"x")
    h = seen(fresh_origin)["headers"]
    assert "x-custom" not in h and h["content-type"] == "text/plain"  # protocol headers always go
    edge.get("/h4", headers=viewer)
    h = seen(fresh_origin)["headers"]
    assert h["authorization"] == "Bearer t" and h["user-agent"] == "curl/8" and h["host"].startswith("127.0.0.1:")


def test_forward_policy_refuses_what_it_cannot_mean():
    with pytest.raises(ConfigError, match="forward.headers: unknown CloudFront header"):
        parse_forward_policy({"headers": ["cloudfront-viewer-mood"]}, "b")
    with pytest.raises(ConfigError, match="forward: unknown key"):
        parse_forward_policy({"query_string": "all"}, "b")
    with pytest.raises(ConfigError, match="forward.cookies must be"):
        parse_forward_policy({"cookies": "some"}, "b")
    policy = parse_forward_policy({"headers": {"all_viewer_and": ["CloudFront-Viewer-Country"]}}, "b")
    assert policy.cloudfront_headers == {"cloudfront-viewer-country"} and policy.headers.includes("x-anything")


def test_headers_the_viewers_connection_names_are_hop_by_hop(edge_factory, fresh_origin):
    from .test_pipeline import raw_get

    edge = start(edge_factory, fresh_origin, '[[behaviors]]\npath = "/hop*"\norigin = "api"\n')
    reply = raw_get(edge.url, "/hop", [("Host", "x"), ("X-Private", "secret"), ("X-Kept", "1"),
                                       ("X-Edge-Forged", "1"), ("Connection", "X-Private, keep-alive")])
    assert reply.startswith(b"HTTP/1.1 200")
    received = seen(fresh_origin)["headers"]
    assert "x-private" not in received and "x-edge-forged" not in received and received["x-kept"] == "1"
