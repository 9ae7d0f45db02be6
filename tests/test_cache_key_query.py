"""The cache key holds query parameters as the origin receives them (edge/cache/key.py): split
on `&` and the first `=`, nothing decoded, so two requests an origin may answer differently
(`a=1+2` and `a=1%202`) never share an entry. Unit checks of `cache_key`, then the real edge in
front of a raw-socket origin (tests/hostile_origin.py) that answers with the target it got."""

from __future__ import annotations

import pytest

from edge.cache.key import cache_key
from edge.config.cache_policy import CachePolicy

from .hostile_origin import HostileOrigin, Reader, Writer

ALL = CachePolicy(query_strings="all")
PAGE = CachePolicy(query_strings=("page",))


def key(policy: CachePolicy, query: str) -> str | None:
    return cache_key(policy, method="GET", host="d.example", path="/q/x", query=query, headers=[])


@pytest.mark.parametrize("one, other", [
    ("a=1+2", "a=1%202"), ("a=1+2", "a=1%2B2"), ("a=%41", "a=A"), ("%61=1", "a=1"), ("a", "a="),
    ("?a=1", "a=1"), ("a=1;b=2", "a=1&b=2"), ("a=1&%61=2", "%61=2&a=1"),
])
def test_what_an_origin_may_tell_apart_is_two_keys(one, other):
    assert key(ALL, one) != key(ALL, other)


def test_cloudfronts_rules_still_hold():
    assert key(ALL, "a=1&b=2") == key(ALL, "b=2&a=1")  # the order of different names does not matter
    assert key(ALL, "a=1&a=2") != key(ALL, "a=2&a=1")  # a name's values keep their order
    assert key(ALL, "a=1&&b=2&") == key(ALL, "a=1&b=2")  # empty parts are no parameter (nor sent)
    assert key(ALL, "a=x=y") != key(ALL, "a=x&y")  # split on the first `=` only
    assert key(PAGE, "page=1&utm=x") == key(PAGE, "utm=y&page=1") != key(PAGE, "")
    assert key(PAGE, "Page=1") == key(PAGE, "")  # names are case-sensitive


def test_names_are_included_as_the_origin_request_includes_them():
    # forward.py sends `%70age=1` for a policy naming `page`: the key holds it too (raw), so it
    # is never served the answer made without it, nor the one for `page=1`
    assert key(PAGE, "%70age=1") not in (key(PAGE, ""), key(PAGE, "page=1"))
    assert key(PAGE, "%70age=1") != key(PAGE, "%70age=2")


async def _target(reader: Reader, writer: Writer, head: bytes) -> bool:
    """A cacheable answer naming the request target as received."""
    target = head.split(b" ", 2)[1]
    writer.write(b"HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nContent-Length: %d\r\n\r\n%s" % (len(target), target))
    return True


MANIFEST = """
[origins.o]
url = "http://127.0.0.1:{port}"

[[behaviors]]
path = "/q/*"
origin = "o"
cache = {{ query_strings = "all" }}

[[behaviors]]
path = "*"
origin = "o"
cache = {{ query_strings = ["page"] }}
"""


@pytest.fixture
def edge(edge_factory):  # type: ignore[no-untyped-def]
    origin = HostileOrigin({"/q/x": _target, "/w/x": _target}).start()
    yield edge_factory(MANIFEST.format(port=origin.port)), origin
    origin.stop()


def test_plus_and_percent_20_are_separate_entries(edge):
    served, origin = edge
    for target in ("/q/x?a=1+2", "/q/x?a=1%202"):
        first = served.get(target)
        assert (first.text, first.headers["x-cache"]) == (target, "Miss from edge")
    for target in ("/q/x?a=1+2", "/q/x?a=1%202"):
        again = served.get(target)
        assert (again.text, again.headers["x-cache"]) == (target, "Hit from edge")
    assert [head.split(b" ", 2)[1] for head in origin.heads] == [b"/q/x?a=1+2", b"/q/x?a=1%202"]


def test_an_encoded_name_the_origin_gets_is_in_the_key(edge):
    served, origin = edge
    encoded = served.get("/w/x?%70age=2")
    assert (encoded.text, encoded.headers["x-cache"]) == ("/w/x?%70age=2", "Miss from edge")
    for target in ("/w/x", "/w/x?page=2"):  # neither is served the answer made for `%70age=2`
        other = served.get(target)
        assert (other.text, other.headers["x-cache"]) == (target, "Miss from edge")
    assert served.get("/w/x?%70age=2&utm=1").headers["x-cache"] == "Hit from edge"
