"""Range requests answered from the cache: a viewer asking for part of an object the edge
holds whole gets 206 with those bytes (416 past the end; CloudFront's rules for a Range it
answers in full), through the real server and origin; a miss passes Range to the origin and
never stores the partial answer."""

from __future__ import annotations

import re

from edge.pipeline.ranges import parse

from .test_cache_conditional import head_of
from .test_pipeline import body_of, raw_get, start, status_of

BEHAVIORS = """
[[behaviors]]
path = "/*"
origin = "api"
cache = { default_ttl = 60, query_strings = "all" }
"""
DATA = b"0123456789" * 10
ETAG = '"r1"'
LM = "Tue, 01 Oct 2024 10:00:00 GMT"
QUERY = f"?etag=%22r1%22&lm={LM.replace(' ', '%20').replace(',', '%2C')}"


def cached(edge, fresh_origin, path: str) -> str:
    """`path` requested once without Range (the whole object, stored), then from the cache."""
    first = raw_get(edge.url, path, [("Host", "x")])
    assert status_of(first) == 200 and head_of(first)["x-cache"] == "Miss from edge", first[:300]
    return path


def test_a_hit_answers_a_single_range_with_206(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS)
    path = cached(edge, fresh_origin, "/big/a?n=100")
    body = b"x" * 100
    for spec, first, last in [("bytes=0-9", 0, 9), ("bytes=90-", 90, 99), ("bytes=-5", 95, 99),
                              ("bytes=95-200", 95, 99), ("bytes=-500", 0, 99), ("BYTES = 3-3", 3, 3)]:
        reply = raw_get(edge.url, path, [("Host", "x"), ("Range", spec)])
        head = head_of(reply)
        assert status_of(reply) == 206, (spec, reply[:300])
        assert head["x-cache"] == "Hit from edge" and head["content-range"] == f"bytes {first}-{last}/100"
        assert head["content-length"] == str(last - first + 1) and body_of(reply) == body[first:last + 1]
        assert head["content-type"] == "application/octet-stream" and "age" in head
    assert fresh_origin.hits["/big/a"] == 1


def test_several_ranges_are_one_multipart_body(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS)
    path = cached(edge, fresh_origin, "/ranged/m")
    reply = raw_get(edge.url, path, [("Host", "x"), ("Range", "bytes=0-1, 5-6,-2")])
    head = head_of(reply)
    assert status_of(reply) == 206 and head["x-cache"] == "Hit from edge"
    boundary = re.fullmatch(r"multipart/byteranges; boundary=(\w+)", head["content-type"]).group(1)
    payload = body_of(reply)
    assert head["content-length"] == str(len(payload))
    parts = payload.split(f"--{boundary}".encode())
    assert parts[0] == b"\r\n" and parts[-1] == b"--\r\n"
    seen = []
    for part in parts[1:-1]:
        part_head, part_body = part.split(b"\r\n\r\n", 1)
        assert b"Content-Type: application/octet-stream" in part_head
        seen.append((re.search(rb"Content-Range: bytes (\d+-\d+)/100", part_head).group(1), part_body[:-2]))
    assert seen == [(b"0-1", DATA[0:2]), (b"5-6", DATA[5:7]), (b"98-99", DATA[98:100])]


def test_ranges_cloudfront_does_not_honour_get_the_whole_object(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS)
    path = cached(edge, fresh_origin, "/ranged/w" + QUERY)
    whole = [
        [("Range", "bytes=50-60,0-1")],  # not in ascending order
        [("Range", "bytes=0-10,5-15")],  # overlapping
        [("Range", "bytes=10-,20-30")],  # the first runs to the end: overlapping
        [("Range", "items=0-1")],
        [("Range", "bytes=a-b")],
        [("Range", "bytes=10-5")],
        [("Range", "bytes=-")],
        [("Range", "bytes=0-1"), ("Range", "bytes=2-3")],  # two Range fields
        [("Range", "bytes=0-9"), ("If-Range", '"other"')],  # the object changed since
        [("Range", "bytes=0-9"), ("If-Range", f"W/{ETAG}")],  # If-Range needs a strong tag
        [("Range", "bytes=0-9"), ("If-Range", "Wed, 02 Oct 2024 10:00:00 GMT")],
    ]
    for extra in whole:
        reply = raw_get(edge.url, path, [("Host", "x"), *extra])
        assert status_of(reply) == 200 and body_of(reply) == DATA, (extra, reply[:300])
        assert head_of(reply)["x-cache"] == "Hit from edge" and "content-range" not in head_of(reply)
    for if_range in (ETAG, LM):
        reply = raw_get(edge.url, path, [("Host", "x"), ("Range", "bytes=0-9"), ("If-Range", if_range)])
        assert status_of(reply) == 206 and body_of(reply) == DATA[:10], if_range
    reply = raw_get(edge.url, path, [("Host", "x"), ("Range", "bytes=0-9")], method="HEAD")
    assert status_of(reply) == 200 and head_of(reply)["content-length"] == "100"  # Range is for GET
    reply = raw_get(edge.url, path, [("Host", "x"), ("Range", "bytes=0-9"), ("If-None-Match", ETAG)])
    assert status_of(reply) == 304  # the viewer holds it already: that comes first
    assert fresh_origin.hits["/ranged/w"] == 1


def test_a_range_past_the_end_is_416(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS)
    path = cached(edge, fresh_origin, "/ranged/e")
    for spec in ("bytes=100-", "bytes=500-600", "bytes=-0", "bytes=200-300,400-"):
        reply = raw_get(edge.url, path, [("Host", "x"), ("Range", spec)])
        head = head_of(reply)
        assert status_of(reply) == 416 and head["content-range"] == "bytes */100", (spec, reply[:300])
        assert body_of(reply) == b"" and head["content-length"] == "0" and "content-type" not in head
    reply = raw_get(edge.url, path, [("Host", "x"), ("Range", "bytes=98-120,500-")])  # one part is left
    assert status_of(reply) == 206 and head_of(reply)["content-range"] == "bytes 98-99/100"


def test_a_miss_passes_range_on_and_never_stores_the_partial_answer(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS)
    reply = raw_get(edge.url, "/ranged/p", [("Host", "x"), ("Range", "bytes=10-19")])
    head = head_of(reply)
    assert status_of(reply) == 206 and body_of(reply) == DATA[10:20] and head["content-range"] == "bytes 10-19/100"
    assert head["x-cache"] == "Miss from edge"
    assert dict(fresh_origin.requests[-1]["headers"])["range"] == "bytes=10-19"
    reply = raw_get(edge.url, "/ranged/p", [("Host", "x")])  # the 206 was not stored
    assert status_of(reply) == 200 and head_of(reply)["x-cache"] == "Miss from edge" and body_of(reply) == DATA
    reply = raw_get(edge.url, "/ranged/p", [("Host", "x"), ("Range", "bytes=10-19")])
    assert status_of(reply) == 206 and head_of(reply)["x-cache"] == "Hit from edge" and body_of(reply) == DATA[10:20]
    assert fresh_origin.hits["/ranged/p"] == 2
    # an origin that ignores Range answers whole: that is stored, and the next range comes from it
    reply = raw_get(edge.url, "/big/q?n=50", [("Host", "x"), ("Range", "bytes=0-4")])
    assert status_of(reply) == 200 and len(body_of(reply)) == 50 and head_of(reply)["x-cache"] == "Miss from edge"
    reply = raw_get(edge.url, "/big/q?n=50", [("Host", "x"), ("Range", "bytes=0-4")])
    assert status_of(reply) == 206 and body_of(reply) == b"x" * 5 and head_of(reply)["x-cache"] == "Hit from edge"


def test_parse_resolves_ranges_against_the_length():
    assert parse("bytes=0-0", 10) == [(0, 0)]
    assert parse("bytes=-3", 10) == [(7, 9)]
    assert parse("bytes=8-", 10) == [(8, 9)]
    assert parse("bytes=0-1,3-4", 10) == [(0, 1), (3, 4)]
    assert parse("bytes=0-1,20-30", 10) == [(0, 1)]  # the unsatisfiable part is left out
    assert parse("bytes=20-30", 10) == [] and parse("bytes=-1", 0) == []
    assert parse("bytes=" + ",".join(f"{i}-{i}" for i in range(0, 202, 2)), 1000) is None  # > 100 parts
    for whole in ("bytes=1-0", "bytes=0-1,1-2", "bytes=5-6,0-1", "bytes=", "bytes=1", "bytes=+1-2",
                  "bytes=0-99999999999999999999", "bytes=١-٢", "0-1"):
        assert parse(whole, 10) is None, whole
