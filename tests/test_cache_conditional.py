"""Conditional requests answered from the cache: a viewer revalidating what it holds gets 304
from a hit (If-None-Match first, then If-Modified-Since), through the real server and origin."""

from __future__ import annotations

from .test_pipeline import body_of, raw_get, start, status_of

BEHAVIORS = """
[[behaviors]]
path = "/cond/*"
origin = "api"
cache = { default_ttl = 60, query_strings = "all" }
"""
LM = "Tue, 01 Oct 2024 10:00:00 GMT"
PATH = f"/cond/a?etag=%22v1%22&lm={LM.replace(' ', '%20').replace(',', '%2C')}&cc=max-age%3D60"


def head_of(reply: bytes) -> dict[str, str]:
    lines = reply.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]
    return {k.decode().lower(): v.decode() for k, v in (line.split(b": ", 1) for line in lines)}


def test_a_hit_answers_304_to_a_viewer_that_has_it(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS)
    first = raw_get(edge.url, PATH, [("Host", "x")])
    assert status_of(first) == 200 and head_of(first)["x-cache"] == "Miss from edge"
    cases = [
        ([("If-None-Match", '"v1"')], 304),
        ([("If-None-Match", 'W/"v1"')], 304),  # weak comparison
        ([("If-None-Match", '"v0", "v1"')], 304),
        ([("If-None-Match", "*")], 304),
        ([("If-None-Match", '"v2"')], 200),
        ([("If-Modified-Since", LM)], 304),
        ([("If-Modified-Since", "Wed, 02 Oct 2024 10:00:00 GMT")], 304),
        ([("If-Modified-Since", "Mon, 30 Sep 2024 10:00:00 GMT")], 200),  # changed since
        ([("If-Modified-Since", "not a date")], 200),
        ([("If-None-Match", '"v2"'), ("If-Modified-Since", LM)], 200),  # If-None-Match decides
    ]
    for headers, expected in cases:
        reply = raw_get(edge.url, PATH, [("Host", "x"), *headers])
        head = head_of(reply)
        assert status_of(reply) == expected and head["x-cache"] == "Hit from edge", (headers, reply[:300])
        if expected == 304:
            assert body_of(reply) == b"" and head["etag"] == '"v1"' and head["last-modified"] == LM
            assert head["cache-control"] == "max-age=60" and "content-type" not in head and "age" in head
            assert "content-length" not in head or head["content-length"] == "0"
        else:
            assert body_of(reply) == b"origin /cond/a #1"
    reply = raw_get(edge.url, PATH, [("Host", "x"), ("If-None-Match", '"v1"')], method="HEAD")
    assert status_of(reply) == 304
    assert fresh_origin.hits["/cond/a"] == 1  # every answer came from the cache


def test_a_miss_is_answered_in_full(edge_factory, fresh_origin):
    """The edge fetched the whole object to cache it; the viewer's validators are not sent on."""
    edge = start(edge_factory, fresh_origin, BEHAVIORS)
    reply = raw_get(edge.url, PATH.replace("/a?", "/b?"), [("Host", "x"), ("If-Modified-Since", LM)])
    assert status_of(reply) == 200 and head_of(reply)["x-cache"] == "Miss from edge"
