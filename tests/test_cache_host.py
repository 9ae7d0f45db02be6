"""forward_host: the viewer's Host reaches the origin, so it is in the cache key, and only a
valid `host[:port]` is accepted (through the real server, against a real origin)."""

from __future__ import annotations

import json

import pytest

from edge.config.cache_policy import CachePolicy
from edge.config.selection import Selection
from edge.config.behaviors import Behavior
from edge.config.policies import ForwardPolicy
from edge.pipeline.forward import reaches_origin, viewer_host

from .test_pipeline import body_of, raw_get, start, status_of

BEHAVIORS = """
[[behaviors]]
path = "/echo/fh/*"
origin = "api"
forward_host = true
cache = { default_ttl = 60 }

[[behaviors]]
path = "/echo/policy/*"
origin = "api"
forward = { headers = "all" }
cache = { default_ttl = 60 }

[[behaviors]]
path = "/echo/plain/*"
origin = "api"
cache = { default_ttl = 60 }
"""


def get(edge, path: str, host: str) -> tuple[int, str, dict]:
    reply = raw_get(edge.url, path, [("Host", host)])
    head, _, body = reply.partition(b"\r\n\r\n")
    x_cache = next(line.split(b": ", 1)[1].decode() for line in head.split(b"\r\n") if line.lower().startswith(b"x-cache:"))
    seen = json.loads(body)["headers"].get("host") if status_of(reply) == 200 else None
    return status_of(reply), x_cache, {"host": seen, "body": body}


def test_forwarded_host_is_in_the_cache_key(edge_factory, fresh_origin):
    """The tester's repro: a Host sent by an attacker must never answer another Host's viewers."""
    edge = start(edge_factory, fresh_origin, BEHAVIORS)
    status, x_cache, seen = get(edge, "/echo/fh/p", "evil.attacker.example")
    assert (status, x_cache, seen["host"]) == (200, "Miss from edge", "evil.attacker.example")
    status, x_cache, seen = get(edge, "/echo/fh/p", "www.victim.example")
    assert (status, x_cache, seen["host"]) == (200, "Miss from edge", "www.victim.example")
    status, x_cache, seen = get(edge, "/echo/fh/p", "WWW.Victim.Example")  # host names: any case
    assert (x_cache, seen["host"]) == ("Hit from edge", "www.victim.example")
    _, x_cache, seen = get(edge, "/echo/fh/p", "www.victim.example:8443")  # the port as given
    assert (x_cache, seen["host"]) == ("Miss from edge", "www.victim.example:8443")
    assert fresh_origin.hits["/echo/fh/p"] == 3


def test_a_policy_forwarding_host_keys_on_it_too(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS)
    assert get(edge, "/echo/policy/p", "a.example")[1] == "Miss from edge"
    _, x_cache, seen = get(edge, "/echo/policy/p", "b.example")
    assert (x_cache, seen["host"]) == ("Miss from edge", "b.example")
    assert get(edge, "/echo/policy/p", "b.example")[1] == "Hit from edge"


def test_without_forwarding_the_key_keeps_the_distribution_name(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS)
    get(edge, "/echo/plain/p", "a.example")
    _, x_cache, seen = get(edge, "/echo/plain/p", "b.example")
    assert x_cache == "Hit from edge" and seen["host"] == "127.0.0.1:" + fresh_origin.server.url.rsplit(":", 1)[1]
    assert get(edge, "/echo/plain/p", "a b")[0] == 200  # the Host goes nowhere: nothing to refuse


@pytest.mark.parametrize("host", ["a b", "evil@x", "x/../y", "x:99999", "x:", "a..b", "-x.example", "é.example"])
def test_an_invalid_forwarded_host_is_400(edge_factory, fresh_origin, host):
    edge = start(edge_factory, fresh_origin, BEHAVIORS)
    reply = raw_get(edge.url, "/echo/fh/p", [("Host", host)])
    assert status_of(reply) == 400 and b"x-cache: error from edge" in reply.lower()
    assert b"Bad request." in body_of(reply)
    assert fresh_origin.hits["/echo/fh/p"] == 0


def test_viewer_host_normalises_and_refuses():
    assert viewer_host([("Host", "WWW.Example.COM:8080")]) == "www.example.com:8080"
    assert viewer_host([("host", "127.0.0.1")]) == "127.0.0.1"
    assert viewer_host([("host", "[::1]:443")]) == "[::1]:443"
    assert viewer_host([("host", "host.")]) == "host."
    assert viewer_host([("host", "a_b.internal")]) == "a_b.internal"
    assert viewer_host([]) == ""  # none (HTTP/2, HTTP/1.0): the origin gets its own name
    for bad in ("", "a b", "evil@x", "x/../y", "x:65536", "a" * 64 + ".com", "x?y", "[::1", "x.example:80:80"):
        assert viewer_host([("Host", bad)]) is None, bad
    assert viewer_host([("Host", "a.example"), ("host", "b.example")]) is None


def test_which_viewer_headers_reach_the_origin():
    plain = Behavior("/*", "api")
    assert not reaches_origin("host", plain)
    assert reaches_origin("host", Behavior("/*", "api", forward_host=True))
    assert reaches_origin("origin", plain) and reaches_origin("x-lang", plain)
    assert not reaches_origin("accept-language", plain)  # content negotiation: not by default
    assert not reaches_origin("user-agent", plain)  # the origin gets "Amazon CloudFront"
    assert not reaches_origin("accept-encoding", plain)
    assert reaches_origin("accept-encoding", Behavior("/*", "api", cache=CachePolicy(headers=("accept-encoding",))))
    assert not reaches_origin("cookie", plain)
    assert reaches_origin("cookie", Behavior("/*", "api", cache=CachePolicy(cookies=("session",))))
    assert not reaches_origin("if-none-match", plain) and not reaches_origin("connection", plain)
    narrow = Behavior("/*", "api", forward=ForwardPolicy(headers=Selection.whitelist(["x-a"], case_insensitive=True)))
    assert reaches_origin("x-a", narrow) and not reaches_origin("origin", narrow)
    assert reaches_origin("cache-control", narrow)  # protocol headers always go
